  /* inverse of the logm1 link, log(x - 1)
   * Args:
   *   y: a real value
   * Returns:
   *   a value above 1
   */
  real expp1(real y) {
    return exp(y) + 1;
  }
  vector expp1(vector y) {
    return exp(y) + 1;
  }
