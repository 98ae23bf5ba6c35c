  /* inverse of the tan_half link, tan(x / 2)
   * Args:
   *   y: a real value
   * Returns:
   *   an angle in (-pi, pi)
   */
  real inv_tan_half(real y) {
    return 2 * atan(y);
  }
  vector inv_tan_half(vector y) {
    return 2 * atan(y);
  }
