// generated with pybrms 0.1.0
functions {
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
    vector[N] nlp_a = X_a * b_a + r_1_a_1[J_1];
    vector[N] nlp_b = X_b * b_b;
    vector[N] nlp_s = X_s * b_s;
    vector[N] mu = (nlp_a .* exp(nlp_b .* C_1));
    vector[N] sigma = exp(nlp_s .* C_sigma_1);
    target += normal_lpdf(Y | mu, sigma);
  }
  // priors including constants
  target += lprior;
  target += std_normal_lpdf(z_1[1]);
}
generated quantities {
}
