// generated with pybrms 0.1.0
functions {
  // compute partial sums of the log-likelihood
  real partial_log_lik_lpmf(data array[] int J_1, int start, int end, data vector Y, data vector weights, data matrix Xc, vector b, vector Intercept_r_1_1, data matrix Xc_sigma, vector b_sigma, data array[] int J_2, vector Intercept_sigma_r_2_sigma_1) {
    real ptarget = 0;
    int N = end - start + 1;
    vector[N] mu = Xc[start:end] * b + Intercept_r_1_1[J_1];
    vector[N] sigma = exp(Xc_sigma[start:end] * b_sigma + Intercept_sigma_r_2_sigma_1[J_2[start:end]]);
    for (n in 1:N) {
      int nn = n + start - 1;
      ptarget += weights[nn] * (normal_lpdf(Y[nn] | mu[n], sigma[n]));
    }
    return ptarget;
  }
}
data {
  int<lower=1> N;  // total number of observations
  vector[N] Y;  // response variable
  vector<lower=0>[N] weights;  // model weights
  int<lower=1> K;  // number of population-level effects
  matrix[N, K] X;  // population-level design matrix
  int<lower=1> Kc;  // number of population-level effects after centering
  // data for group-level effects of ID 1
  int<lower=1> N_1;  // number of grouping levels
  int<lower=1> M_1;  // number of coefficients per level
  array[N] int<lower=1> J_1;  // grouping indicator per observation
  // group-level predictor values
  vector[N] Z_1_1;
  int<lower=1> K_sigma;  // number of population-level effects
  matrix[N, K_sigma] X_sigma;  // population-level design matrix
  int<lower=1> Kc_sigma;  // number of population-level effects after centering
  // data for group-level effects of ID 2
  int<lower=1> N_2;  // number of grouping levels
  int<lower=1> M_2;  // number of coefficients per level
  array[N] int<lower=1> J_2;  // grouping indicator per observation
  // group-level predictor values
  vector[N] Z_2_sigma_1;
  // prior arguments and bounds: data, so new data or prior values reuse the compiled program
  real Intercept_prior_nu;  // nu of the student_t prior
  real Intercept_prior_mu;  // mu of the student_t prior
  real Intercept_prior_sigma;  // sigma of the student_t prior
  real Intercept_sigma_prior_nu;  // nu of the student_t prior
  real Intercept_sigma_prior_mu;  // mu of the student_t prior
  real Intercept_sigma_prior_sigma;  // sigma of the student_t prior
  real sd_1_prior_nu;  // nu of the student_t prior
  real sd_1_prior_mu;  // mu of the student_t prior
  real sd_1_prior_sigma;  // sigma of the student_t prior
  real sd_2_prior_nu;  // nu of the student_t prior
  real sd_2_prior_mu;  // mu of the student_t prior
  real sd_2_prior_sigma;  // sigma of the student_t prior
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
  matrix[N, Kc_sigma] Xc_sigma;  // centered version of X without an intercept
  vector[Kc_sigma] means_X_sigma;  // column means of X before centering
  for (i in 2:K_sigma) {
    means_X_sigma[i - 1] = mean(X_sigma[, i]);
    Xc_sigma[, i - 1] = X_sigma[, i] - means_X_sigma[i - 1];
  }
}
parameters {
  vector[Kc] b;  // regression coefficients
  real Intercept;  // temporary intercept for centered predictors
  vector<lower=0>[M_1] sd_1;  // group-level standard deviations
  array[M_1] vector[N_1] z_1;  // standardized group-level effects
  vector[Kc_sigma] b_sigma;  // regression coefficients
  real Intercept_sigma;  // temporary intercept for centered predictors
  vector<lower=0>[M_2] sd_2;  // group-level standard deviations
  array[M_2] vector[N_2] z_2;  // standardized group-level effects
}
transformed parameters {
  vector[N_1] r_1_1 = sd_1[1] * z_1[1];  // actual group-level effects
  vector[N_2] r_2_sigma_1 = sd_2[1] * z_2[1];  // actual group-level effects
  real lprior = 0;  // prior contributions to the log posterior
  lprior += student_t_lpdf(Intercept | Intercept_prior_nu, Intercept_prior_mu, Intercept_prior_sigma);
  lprior += student_t_lpdf(Intercept_sigma | Intercept_sigma_prior_nu, Intercept_sigma_prior_mu, Intercept_sigma_prior_sigma);
  lprior += student_t_lpdf(sd_1 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma)
    - 1 * student_t_lccdf(0 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma);
  lprior += student_t_lpdf(sd_2 | sd_2_prior_nu, sd_2_prior_mu, sd_2_prior_sigma)
    - 1 * student_t_lccdf(0 | sd_2_prior_nu, sd_2_prior_mu, sd_2_prior_sigma);
}
model {
  // likelihood including constants
  if (!prior_only) {
    // intercepts added to group-level effects once per level, not once per row
    vector[N_1] Intercept_r_1_1 = Intercept + r_1_1;
    vector[N_2] Intercept_sigma_r_2_sigma_1 = Intercept_sigma + r_2_sigma_1;
    target += reduce_sum(partial_log_lik_lpmf, J_1, grainsize, Y, weights, Xc, b, Intercept_r_1_1, Xc_sigma, b_sigma, J_2, Intercept_sigma_r_2_sigma_1);
  }
  // priors including constants
  target += lprior;
  target += std_normal_lpdf(z_1[1]);
  target += std_normal_lpdf(z_2[1]);
}
generated quantities {
  // actual population-level intercept
  real b_Intercept = Intercept - dot_product(means_X, b);
  // actual population-level intercept
  real b_sigma_Intercept = Intercept_sigma - dot_product(means_X_sigma, b_sigma);
}
