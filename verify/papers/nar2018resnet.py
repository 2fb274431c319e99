"""Nar & Sastry, *Residual Networks: Lyapunov Stability and Convex Decomposition*, 2018.

Source: ``shared/papers/nar-sastry-2018-resnets-lyapunov-stability.md``.

The claims marked (data) are held in ``nar2018resnet.toml`` and ``nar2018resnet_convex.toml``
beside this module, in the claim language (README, "The claim language").  Only the experiments
comparing trained models are built here (``verify/experiments/nar2018resnet.py``):
double_experiment, fig4, mnist.

* prop2, prop2_negative, prop3_amended and eq9_direction_amended: rate and trajectory claims
  on the deep_linear / double_network families citing the paper's every-L inductions
  (proofs/resnet_class.py); ols_amended (the quadratic family over every 2 x 2 problem) and
  thm2_amended (width 2, every symmetric R), both citing derivations for every size;
  sec31_theorem3_amended and sec31_decomposition_amended (inequalities over the numbers their
  proofs speak of, citing derivations for every f); sec32_negative as printed (convergence to
  the set where the layers' diagonal elements along a negative eigenvalue vanish, target =
  { zero = [...] }, for a diagonalisable R: refuted) and sec32_negative_amended (symmetric R:
  rate sweeps on the element along a negative eigenvalue);
* eq7, eq8, eq12_amended, sec31_example (nar2018resnet_convex.toml): relations over the
  residual ReLU networks (7), (10) of every listed size, at = "networks", citing the
  derivations of proofs/resnet_class.py; eq5 is an identity over matrices of free size.

| id | where | statement (short) |
|---|---|---|
| nar2018resnet.ols (data) | Section 2, least squares example | every equilibrium asymptotically stable; GD converges only if every eigenvalue of I - delta X X^T has magnitude < 1 |
| nar2018resnet.ols_amended (data) | Section 2 (amended) | converges iff delta < 2/lambda_max(X X^T); asymptotically stable iff X X^T nonsingular |
| nar2018resnet.prop1 (data) | Proposition 1 | convergence to {w_i*} needs delta <= 2/(sigma sum_i prod_{j!=i} w_j*^2) |
| nar2018resnet.prop1_deltamax (data) | Section 2, after Proposition 1 | the bound is tiny at disproportionate equilibria, largest (delta_max) at balanced ones; above delta_max GD cannot converge to any optimum |
| nar2018resnet.prop1_deltamax_amended (data) | Section 2 (amended) | above delta_max every optimum is linearly unstable; random starts never converge |
| nar2018resnet.prop2 (data) | Proposition 2 | lam > 0, w_i[0] = 1, delta <= delta_c: |w_i[k] - lam^(1/L)| <= rho(delta)^k |1 - lam^(1/L)| |
| nar2018resnet.prop2_negative (data) | Section 2, after Proposition 2 | the same for lam < 0 with an odd number of -1 initial weights |
| nar2018resnet.eq5 (data) | eq. (5) | the GD update W_i <- W_i - delta G_i (F - R) Sigma H_i |
| nar2018resnet.thm1 (data) | Theorem 1 | delta > 2/(L rho(R)^(2(L-1)/L)): no equilibrium with W_L...W_1 = R stable, GD cannot converge |
| nar2018resnet.thm1_amended (data) | Theorem 1 (amended) | every global minimiser has lambda_max >= L sigma1(R)^(2(L-1)/L) >= L rho^(2(L-1)/L) |
| nar2018resnet.thm2 (data) | Theorem 2 | R diagonalisable, eigenvalues > 0, W_i[0] = I, delta <= (1/L) min{1, rho^(-2(L-1)/L)}: W_i -> R^(1/L) |
| nar2018resnet.thm2_amended (data) | Theorem 2 (amended) | the same for symmetric R (orthogonal eigenvectors) |
| nar2018resnet.eq9 (data) | eqs. (9a), (9b) | from w_i = z_i = 1, GD on the double chain is (9a), (9b) |
| nar2018resnet.eq9_direction (data) | Section 3.2, after (9b) | lam < 0: w decreases, z increases initially, bringing e closer to zero |
| nar2018resnet.eq9_direction_amended (data) | Section 3.2 (amended) | the same for delta sigma below an exact t*(L, lam) |
| nar2018resnet.eq9_origin (data) | Section 3.2, after (9b) | the origin is an unstable equilibrium; (w, z) cannot converge to it |
| nar2018resnet.double_experiment | Section 3.2, Figure 3 | 20x20, L = 20: the double network converges faster; single unstable for some R |
| nar2018resnet.prop3 (data) | Proposition 3 | lam < 0, w_i[0] = 1: w_i -> 0 unless delta > 1/(sigma(1 - lam)) |
| nar2018resnet.prop3_amended (data) | Proposition 3 (amended) | the same for L >= 2 |
| nar2018resnet.sec32_negative (data) | Section 3.2, first paragraph | from the identity, the diagonal elements for negative eigenvalues go to 0 |
| nar2018resnet.sec32_negative_amended (data) | Section 3.2 (amended) | the same for symmetric R |
| nar2018resnet.sec31_theorem3 (data) | Section 3.1 | f strictly convex, twice differentiable => grad f meets Theorem 3's hypotheses |
| nar2018resnet.sec31_theorem3_amended (data) | Section 3.1 (amended) | the same for f strongly convex (Hessian >= m I) with Lipschitz Hessian |
| nar2018resnet.sec31_decomposition (data) | Section 3.1 | f_k = r - s with beta > 0, alpha large: r, s strictly convex, gradients > 0 at 0 |
| nar2018resnet.sec31_decomposition_amended (data) | Section 3.1 (amended) | the same with beta_j > max(0, -d_j f_k(0)) |
| nar2018resnet.sec31_example (data) | Section 3.1, two-layer 1-D example | f_hat strictly increasing, slope -> (1 + w2)(1 + w1) f'(0) |
| nar2018resnet.eq7 (data) | eqs. (7a)-(7c) | W, V, b >= 0, c > 0: the network is convex |
| nar2018resnet.eq8 (data) | eqs. (8a)-(8b) | gradient [1, 1] near 0, incremented by e_j beyond x_j = b_j; V gives the normals, b the distances |
| nar2018resnet.eq12 (data) | eqs. (10)-(12) as printed | (10c) f = c^T x; optimality conditions (12a)-(12b) |
| nar2018resnet.eq12_amended (data) | eqs. (10)-(12) (amended) | with f = c^T h_L(x): (12a), (12b), the bias gradient and c_l^i are exact |
| nar2018resnet.fig4 | Section 4, Figure 4 | f1 (b in [0, .5]) cannot fit f, has low Lipschitz constant; f2 (b in [0, 1]) fits; 10 segments possible |
| nar2018resnet.mnist | Section 5 | MNIST: 97.91% train, 97.58% test after 12 epochs, no regularisation |
"""

from __future__ import annotations

from verify.experiments import nar2018resnet as experiments
from verify.papers import claim_builder

PAPER = {
    "key": "nar2018resnet",
    "citation": "K. Nar and S. S. Sastry. Residual Networks: Lyapunov Stability and Convex "
                "Decomposition. arXiv:1803.08203, 2018.",
    "url": "https://arxiv.org/abs/1803.08203",
}


_c = claim_builder(PAPER)


CLAIMS = (
    _c("double_experiment", "Section 3.2, Figure 3",
       "we generated a set of random diagonalizable matrices in R^(20x20) with random "
       "eigenvectors drawn from N(0, I) and random eigenvalues drawn from U[-1.5, 1.5]. We "
       "compared the training errors for both networks by choosing L = 20. As expected, the "
       "convergence rate of the double network was consistently better than that of the single "
       "network for all the matrices generated. It was also observed that the gradient descent "
       "for the single network became unstable for some of the matrices, while the algorithm "
       "remained stable for the double network.",
       {"n, L": "20, 20 (8, 8 quick)", "matrices": "6 (4 quick)",
        "delta": "1e-5, 1e-4, 1e-3 (not given in the paper)"},
       "double loss < single loss for every matrix; single unstable where double is stable",
       [experiments.double_experiment()],
       scope={"n, L": "20, 20", "R": "random diagonalizable, eigenvalues U[-1.5, 1.5]"}),
    _c("fig4", "Section 4, Figure 4",
       "Initialized with a larger range for the bias parameters, f_2 fits all the data points. "
       "The estimate f_1, on the other hand, fails to fit the data perfectly even though the "
       "network had 10 layers and it could have had 10 segments. Nevertheless, over the region "
       "where it fails to fit the data, it is close to a linear estimate of the points belonging "
       "to that region. Consequently, the Lipschitz constant of the estimate at a certain point "
       "is either the same as or less than that of the original function.",
       {"f1": "biases from U[0, 0.5]", "f2": "biases from U[0, 1]", "layers": "10, scalar",
        "training": "Nesterov, 50 points, w >= 0 and c > 0 by projection"},
       "f1 affine beyond 0.5 (cannot fit f), Lip(f1) <= Lip(f); f2 can fit f; >= 10 pieces "
       "possible",
       [experiments.fig4_exact(), experiments.fig4_training()],
       scope={"f1": "biases U[0, 0.5]", "f2": "biases U[0, 1]", "layers": "10, scalar"}),
    _c("mnist", "Section 5, Figure 5",
       "We trained this network for 12 epochs [...] the training and the test errors were "
       "remarkably close to each other throughout the training. After the 12th epoch, the "
       "training and the test accuracy were 97.91% and 97.58%, respectively.",
       {"data": "reduced: generated 10-class clusters in [0, 1]^8 (MNIST not offline)"},
       "train and test accuracy close without regularisation",
       [experiments.mnist_reduced()],
       not_checkable="the MNIST data set and the convolutional feature layer's training setup",
       scope={"data": "MNIST, 12 epochs"}),
)
