// generated with pybrms 0.1.0
functions {
  // x[first:last]: indexing copies it element by element, checking each index; head and
  // tail copy blocks, so copying the fewer of the rows before or after it too is cheaper
  array[] int int_rows(data array[] int x, int first, int last) {
    if (last <= size(x) - first + 1) {
      return tail(head(x, last), last - first + 1);
    }
    return head(tail(x, size(x) - first + 1), last - first + 1);
  }
  // compute partial sums of the log-likelihood
  real partial_log_lik_lpdf(array[] real Intercept_r_1_1_slice, int start, int end, data array[] int Y, data matrix Xc, vector b, data array[] int J_1, data array[] int first_row, data array[] int last_row) {
    real ptarget = 0;
    // the rows of levels start:end
    int row_start = first_row[start];
    int row_end = last_row[end];
    array[row_end - row_start + 1] int J_1_rows = int_rows(J_1, row_start, row_end);
    array[row_end - row_start + 1] int Y_rows = int_rows(Y, row_start, row_end);
    // the effects of levels 1:end; those before start copy the first (no autodiff cost)
    // so that J_1 reads them as it is
    vector[end] Intercept_r_1_1 = append_row(rep_vector(Intercept_r_1_1_slice[1], start - 1), to_vector(Intercept_r_1_1_slice));
    ptarget += poisson_log_glm_lpmf(Y_rows | Xc[row_start:row_end], Intercept_r_1_1[J_1_rows], b);
    return ptarget;
  }
}
data {
  int<lower=1> N;  // total number of observations
  array[N] int Y;  // response variable
  int<lower=1> K;  // number of population-level effects
  matrix[N, K] X;  // population-level design matrix
  int<lower=1> Kc;  // number of population-level effects after centering
  // data for group-level effects of ID 1
  int<lower=1> N_1;  // number of grouping levels
  int<lower=1> M_1;  // number of coefficients per level
  array[N] int<lower=1> J_1;  // grouping indicator per observation
  // group-level predictor values
  vector[N] Z_1_1;
  // prior arguments and bounds: data, so new data or prior values reuse the compiled program
  real Intercept_prior_nu;  // nu of the student_t prior
  real Intercept_prior_mu;  // mu of the student_t prior
  real Intercept_prior_sigma;  // sigma of the student_t prior
  real sd_1_prior_nu;  // nu of the student_t prior
  real sd_1_prior_mu;  // mu of the student_t prior
  real sd_1_prior_sigma;  // sigma of the student_t prior
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
  // rows ordered by grouping level: the partial sum of levels start:end
  // reads their rows first_row[start]:last_row[end]
  array[N] int level_order = sort_indices_asc(J_1);
  array[N] int Y_sorted = Y[level_order];
  matrix[N, cols(Xc)] Xc_sorted = Xc[level_order];
  array[N] int J_1_sorted = J_1[level_order];
  array[N_1] int last_row = rep_array(0, N_1);
  for (n in 1:N) {
    last_row[J_1[n]] += 1;
  }
  last_row = cumulative_sum(last_row);
  array[N_1] int first_row = rep_array(1, N_1);
  for (j in 2:N_1) {
    first_row[j] = last_row[j - 1] + 1;
  }
  // levels per partial sum that hold about grainsize rows
  int grainsize_levels = max(1, to_int(round(grainsize * 1.0 * N_1 / N)));
}
parameters {
  vector[Kc] b;  // regression coefficients
  real Intercept;  // temporary intercept for centered predictors
  vector<lower=0>[M_1] sd_1;  // group-level standard deviations
  array[M_1] vector[N_1] z_1;  // standardized group-level effects
}
transformed parameters {
  vector[N_1] r_1_1 = sd_1[1] * z_1[1];  // actual group-level effects
  real lprior = 0;  // prior contributions to the log posterior
  lprior += student_t_lpdf(Intercept | Intercept_prior_nu, Intercept_prior_mu, Intercept_prior_sigma);
  lprior += student_t_lpdf(sd_1 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma)
    - 1 * student_t_lccdf(0 | sd_1_prior_nu, sd_1_prior_mu, sd_1_prior_sigma);
}
model {
  // likelihood including constants
  if (!prior_only) {
    // intercepts added to group-level effects once per level, not once per row
    vector[N_1] Intercept_r_1_1 = Intercept + r_1_1;
    target += reduce_sum(partial_log_lik_lpdf, to_array_1d(Intercept_r_1_1), grainsize_levels, Y_sorted, Xc_sorted, b, J_1_sorted, first_row, last_row);
  }
  // priors including constants
  target += lprior;
  target += std_normal_lpdf(z_1[1]);
}
generated quantities {
  // actual population-level intercept
  real b_Intercept = Intercept - dot_product(means_X, b);
}
