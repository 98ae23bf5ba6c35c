  /* a Gaussian process with exponentiated-quadratic kernel at the points x: the
   * Cholesky factor of its covariance matrix (1e-12 added to the diagonal, for
   * numerical positive definiteness) times the standard normal vector zgp; one
   * length-scale for all dimensions, or one per dimension
   */
  vector gp_exp_quad(data array[] vector x, real sdgp, vector lscale, vector zgp) {
    matrix[size(x), size(x)] cov;
    if (rows(lscale) == 1) {
      cov = gp_exp_quad_cov(x, sdgp, lscale[1]);
    } else {
      cov = gp_exp_quad_cov(x, sdgp, to_array_1d(lscale));
    }
    return cholesky_decompose(add_diag(cov, 1e-12)) * zgp;
  }
