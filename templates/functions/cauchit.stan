  /* inverse of the cauchit link: the standard Cauchy distribution function
   * Args:
   *   y: a real value
   * Returns:
   *   a probability
   */
  real inv_cauchit(real y) {
    return atan(y) / pi() + 0.5;
  }
  vector inv_cauchit(vector y) {
    return atan(y) / pi() + 0.5;
  }
