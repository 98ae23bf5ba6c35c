// generated with pybrms 0.1.0
functions {
  /* compute correlated group-level effects
   * Args:
   *   z: matrix of unscaled group-level effects
   *   SD: vector of standard deviation parameters
   *   L: cholesky factor correlation matrix
   * Returns:
   *   matrix of scaled group-level effects
   */
  matrix scale_r_cor(matrix z, vector SD, matrix L) {
    // r is stored in another dimension order than z
    return transpose(diag_pre_multiply(SD, L) * z);
  }
  // compute partial sums of the log-likelihood
  real partial_log_lik_lpmf(data array[] int J_1, int start, int end, data vector Y, data matrix Xc, vector b, data vector offsets, vector Intercept_r_1_1, data vector Z_1_2, vector r_1_2, real sigma) {
    real ptarget = 0;
    ptarget += normal_id_glm_lpdf(Y[start:end] | Xc[start:end], offsets[start:end] + Intercept_r_1_1[J_1] + r_1_2[J_1] .* Z_1_2[start:end], b, sigma);
    return ptarget;
  }
}
data {
  int<lower=1> N;  // total number of observations
  vector[N] Y;  // response variable
  int<lower=1> K;  // number of population-level effects
  matrix[N, K] X;  // population-level design matrix
  int<lower=1> Kc;  // number of population-level effects after centering
  vector[N] offsets;
  // data for group-level effects of ID 1
  int<lower=1> N_1;  // number of grouping levels
  int<lower=1> M_1;  // number of coefficients per level
  array[N] int<lower=1> J_1;  // grouping indicator per observation
  // group-level predictor values
  vector[N] Z_1_1;
  vector[N] Z_1_2;
  int<lower=1> NC_1;  // number of group-level correlations
  // prior arguments and bounds: data, so new data or prior values reuse the compiled program
  real Intercept_prior_nu;  // nu of the student_t prior
  real Intercept_prior_mu;  // mu of the student_t prior
  real Intercept_prior_sigma;  // sigma of the student_t prior
  real sigma_prior_nu;  // nu of the student_t prior
  real sigma_prior_mu;  // mu of the student_t prior
  real sigma_prior_sigma;  // sigma of the student_t prior
  real sd_1_prior_nu;  // nu of the student_t prior
  real sd_1_prior_mu;  // mu of the student_t prior
  real sd_1_prior_sigma;  // sigma of the student_t prior
  real L_1_prior_eta;  // eta of the lkj_corr_cholesky prior
  int grainsize;  // grainsize for threading
  int prior_only;  // should the likelihood be ignored?
}
transformed data {
  matrix[N, Kc] Xc;  // centered version of X without an intercept
  vector[Kc] means_X;  // column means of X before centering
  for (i in 2:K) {
    means_X[i - 1] = mean(X[, i]);
    Xc[, i - 1] = X[, i] - means_X[i - 1];
  }
}
parameters {
  vector[Kc] b;  // regression coefficients
  real Intercept;  // temporary intercept for centered predictors
  vector<lower=0>[M_1] sd_1;  // group-level standard deviations
  matrix[M_1, N_1] z_1;  // standardized group-level effects
  cholesky_factor_corr[M_1] L_1;  // cholesky factor of correlation matrix
  real<lower=0> sigma;  // dispersion parameter
}
transformed parameters {
  // actual group-level effects
  matrix[N_1, M_1] r_1 = scale_r_cor(z_1, sd_1, L_1);
  vector[N_1] r_1_1 = r_1[, 1];
  vector[N_1] r_1_2 = r_1[, 2];
  real lprior = 0;  // prior contributions to the log posterior
  lprior += student_t_lpdf(Intercept | Intercept_prior_nu, Intercept_prior_mu, Intercept_prior_sigma);
  lprior += student_t_lpdf(sigma | sigma_prior_nu, sigma_prior_mu, sigma_prior_sigma)
    - 1 * student_t_lccdf(0 | sigma_prior_nu, sigma_prior_mu, sigma_prior_sigma);
  lprior += student_t_lpdf(sd_1 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma)
    - 2 * student_t_lccdf(0 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma);
  lprior += lkj_corr_cholesky_lpdf(L_1 | L_1_prior_eta);
}
model {
  // likelihood including constants
  if (!prior_only) {
    // intercepts added to group-level effects once per level, not once per row
    vector[N_1] Intercept_r_1_1 = Intercept + r_1_1;
    target += reduce_sum(partial_log_lik_lpmf, J_1, grainsize, Y, Xc, b, offsets, Intercept_r_1_1, Z_1_2, r_1_2, sigma);
  }
  // priors including constants
  target += lprior;
  target += std_normal_lpdf(to_vector(z_1));
}
generated quantities {
  // actual population-level intercept
  real b_Intercept = Intercept - dot_product(means_X, b);
  // compute group-level correlations
  corr_matrix[M_1] Cor_1 = multiply_lower_tri_self_transpose(L_1);
  vector<lower=-1, upper=1>[NC_1] cor_1;
  // extract upper diagonal of correlation matrix
  for (k in 1:M_1) {
    for (j in 1:(k - 1)) {
      cor_1[choose(k - 1, 2) + j] = Cor_1[j, k];
    }
  }
}
