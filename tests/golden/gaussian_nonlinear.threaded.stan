// generated with pybrms 0.1.0
functions {
  // compute partial sums of the log-likelihood
  real partial_log_lik_lpmf(data array[] int J_1, int start, int end, data vector Y, data matrix X_a, vector b_a, vector r_1_a_1, data matrix X_b, vector b_b, data matrix X_s, vector b_s, data vector C_1, data vector C_sigma_1) {
    real ptarget = 0;
    int N = end - start + 1;
    vector[N] nlp_a = X_a[start:end] * b_a + r_1_a_1[J_1];
    vector[N] nlp_b = X_b[start:end] * b_b;
    vector[N] nlp_s = X_s[start:end] * b_s;
    vector[N] mu = (nlp_a .* exp(nlp_b .* C_1[start:end]));
    vector[N] sigma = exp(nlp_s .* C_sigma_1[start:end]);
    ptarget += normal_lpdf(Y[start:end] | mu, sigma);
    return ptarget;
  }
}
data {
  int<lower=1> N;  // total number of observations
  vector[N] Y;  // response variable
  // covariates for non-linear functions
  vector[N] C_1;
  // covariates for non-linear functions
  vector[N] C_sigma_1;
  int<lower=1> K_a;  // number of population-level effects
  matrix[N, K_a] X_a;  // population-level design matrix
  // data for group-level effects of ID 1
  int<lower=1> N_1;  // number of grouping levels
  int<lower=1> M_1;  // number of coefficients per level
  array[N] int<lower=1> J_1;  // grouping indicator per observation
  // group-level predictor values
  vector[N] Z_1_a_1;
  int<lower=1> K_b;  // number of population-level effects
  matrix[N, K_b] X_b;  // population-level design matrix
  int<lower=1> K_s;  // number of population-level effects
  matrix[N, K_s] X_s;  // population-level design matrix
  // prior arguments and bounds: data, so new data or prior values reuse the compiled program
  real sd_1_prior_nu;  // nu of the student_t prior
  real sd_1_prior_mu;  // mu of the student_t prior
  real sd_1_prior_sigma;  // sigma of the student_t prior
  int grainsize;  // grainsize for threading
  int prior_only;  // should the likelihood be ignored?
}
transformed data {
}
parameters {
  vector[K_a] b_a;  // regression coefficients
  vector<lower=0>[M_1] sd_1;  // group-level standard deviations
  array[M_1] vector[N_1] z_1;  // standardized group-level effects
  vector[K_b] b_b;  // regression coefficients
  vector[K_s] b_s;  // regression coefficients
}
transformed parameters {
  vector[N_1] r_1_a_1 = sd_1[1] * z_1[1];  // actual group-level effects
  real lprior = 0;  // prior contributions to the log posterior
  lprior += student_t_lpdf(sd_1 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma)
    - 1 * student_t_lccdf(0 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma);
}
model {
  // likelihood including constants
  if (!prior_only) {
    target += reduce_sum(partial_log_lik_lpmf, J_1, grainsize, Y, X_a, b_a, r_1_a_1, X_b, b_b, X_s, b_s, C_1, C_sigma_1);
  }
  // priors including constants
  target += lprior;
  target += std_normal_lpdf(z_1[1]);
}
generated quantities {
}
