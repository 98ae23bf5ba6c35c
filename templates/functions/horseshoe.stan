  /* scales of the regularized horseshoe prior (Piironen and Vehtari, 2017,
   * appendix C.1): tau * lambda_tilde, where lambda_tilde^2 =
   * c2 * lambda^2 / (c2 + tau^2 * lambda^2) shrinks the local scales lambda
   * towards the slab scale sqrt(c2) / tau
   */
  vector scales_horseshoe(vector lambda, real tau, real c2) {
    vector[rows(lambda)] lambda2 = square(lambda);
    return tau * sqrt(c2 * lambda2 ./ (c2 + square(tau) * lambda2));
  }
