  /* monotonic effect of the ordinal value i (0..rows(scale)): rows(scale) times
   * the sum of the first i elements of the simplex `scale`
   */
  real mo(vector scale, int i) {
    if (i == 0) {
      return 0;
    }
    return rows(scale) * sum(scale[1:i]);
  }
