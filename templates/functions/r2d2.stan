  /* scales of the R2D2 prior: the share phi of the total variance tau2 that
   * each coefficient takes, as a standard deviation
   */
  vector scales_R2D2(vector phi, real tau2) {
    return sqrt(tau2 * phi);
  }
