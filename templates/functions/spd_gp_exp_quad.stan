  /* the spectral density of the exponentiated-quadratic kernel at the square roots
   * of the eigenvalues slambda (one vector of D per basis function):
   * sdgp^2 * sqrt(2 * pi)^D * prod(lscale) * exp(-0.5 * |lscale .* slambda|^2), with
   * one length-scale for all dimensions or one per dimension
   */
  vector spd_gp_exp_quad(data array[] vector slambda, real sdgp, vector lscale) {
    int NB = size(slambda);
    int D = rows(slambda[1]);
    vector[D] ls = rows(lscale) == 1 ? rep_vector(lscale[1], D) : lscale;
    real constant = square(sdgp) * sqrt(2 * pi())^D * prod(ls);
    vector[NB] out;
    for (m in 1:NB) {
      out[m] = constant * exp(-0.5 * dot_self(ls .* slambda[m]));
    }
    return out;
  }
