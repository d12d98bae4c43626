# WGCNA for isograph.models.WgcnaNetworkModel.
#
# Usage: Rscript wgcna.R <work_dir>
#
# Reads from <work_dir>:
#   params.json  parameters written by Python's json module
#   X.bin        float64 little-endian, samples x features, row-major
# Writes to <work_dir> (R's own writers: write.csv and jsonlite):
#   labels.csv          one numeric WGCNA label per feature (0 = grey)
#   eigengenes.csv      WGCNA's module eigengenes (samples x "ME<label>")
#   soft_threshold.csv  pickSoftThreshold's fit indices
#   edges.csv           single-block runs only: 1-based feature pairs and TOM
#   info.json           power, fit, blocks, versions
# Exit status 3: a required R package is missing.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) stop("usage: Rscript wgcna.R <work_dir>")
work <- args[[1L]]

need <- function(pkg) {
  if (!requireNamespace(pkg, quietly = TRUE)) {
    message("isograph: the R package '", pkg, "' is not installed")
    quit(save = "no", status = 3L)
  }
}
need("jsonlite")

params <- jsonlite::read_json(file.path(work, "params.json"), simplifyVector = TRUE)
n <- as.integer(params$n_samples)
p <- as.integer(params$n_features)
con <- file(file.path(work, "X.bin"), "rb")
values <- readBin(con, what = "double", n = n * p + 1L, size = 8L, endian = "little")
close(con)
if (length(values) != n * p) {
  stop(sprintf("X.bin holds %d values, expected n_samples * n_features = %d * %d = %d",
               length(values), n, p, n * p))
}
X <- matrix(values, nrow = n, ncol = p, byrow = TRUE)
colnames(X) <- paste0("f", seq_len(p))
rm(values)

need("WGCNA")
suppressPackageStartupMessages(library(WGCNA))
# WGCNA calls collectGarbage() (repeated full gc() until stable) many times per
# run; with WGCNA's dependencies loaded each call costs tenths of a second and
# dominates small runs. Garbage collection does not change any result.
assignInNamespace("collectGarbage", function() invisible(NULL), "WGCNA")
foreach::registerDoSEQ()
threads <- as.integer(params$n_threads)
if (threads > 1L) allowWGCNAThreads(threads) else disableWGCNAThreads()

net_type <- params$network_type
fixed_power <- !is.null(params$power)
powers <- if (fixed_power) as.numeric(params$power) else c(1:10, seq(12, 30, by = 2))
sft <- pickSoftThreshold(X, powerVector = powers, RsquaredCut = params$r_squared_cut,
                         networkType = net_type,
                         corOptions = list(use = "p", nThreads = threads), verbose = 0)
fit <- sft$fitIndices
signed_r2 <- -sign(fit$slope) * fit$SFT.R.sq
if (fixed_power) {
  power <- as.numeric(params$power)
  source <- "fixed"
} else {
  # WGCNA's powerEstimate also accepts fits with a positive slope, which are
  # not scale-free; require the signed R^2 of the WGCNA tutorial instead.
  ok <- which(!is.na(signed_r2) & signed_r2 >= params$r_squared_cut)
  if (length(ok)) {
    power <- fit$Power[ok[1L]]
    source <- "estimated"
  } else {
    power <- as.numeric(params$fallback_power)
    source <- "fallback"
  }
}
row <- match(power, fit$Power)

net <- blockwiseModules(
  X, power = power, networkType = net_type, TOMType = params$tom_type,
  minModuleSize = as.integer(params$min_module_size),
  mergeCutHeight = params$merge_cut_height, deepSplit = as.integer(params$deep_split),
  maxBlockSize = as.integer(params$max_block_size), randomSeed = as.integer(params$random_seed),
  numericLabels = TRUE, saveTOMs = FALSE, nThreads = threads, verbose = 0
)
labels <- as.integer(net$colors)
write.csv(data.frame(label = labels), file.path(work, "labels.csv"), row.names = FALSE)
write.csv(net$MEs, file.path(work, "eigengenes.csv"), row.names = FALSE)
write.csv(fit, file.path(work, "soft_threshold.csv"), row.names = FALSE)

n_blocks <- length(net$blockGenes)
if (n_blocks == 1L) {
  # edges: each feature keeps its k strongest |TOM| ties at or above the threshold
  tom <- TOMsimilarityFromExpr(X, power = power, networkType = net_type,
                               TOMType = params$tom_type, nThreads = threads, verbose = 0)
  tom[is.na(tom)] <- 0
  diag(tom) <- 0
  k <- min(as.integer(params$max_edges_per_gene), p - 1L)
  if (k >= 1L) {
    src <- rep(seq_len(p), each = k)
    dst <- as.vector(vapply(seq_len(p), function(i) {
      order(abs(tom[i, ]), decreasing = TRUE)[seq_len(k)]
    }, integer(k)))
    keep <- abs(tom[cbind(src, dst)]) >= params$edge_threshold
    lo <- pmin(src[keep], dst[keep])
    hi <- pmax(src[keep], dst[keep])
    pairs <- unique(data.frame(source = lo, target = hi))
    pairs <- pairs[order(pairs$source, pairs$target), , drop = FALSE]
  } else {
    pairs <- data.frame(source = integer(0), target = integer(0))
  }
  pairs$weight <- tom[cbind(pairs$source, pairs$target)]
  write.csv(pairs, file.path(work, "edges.csv"), row.names = FALSE)
}

info <- list(
  power = power,
  power_source = source,
  power_estimate_wgcna = if (is.na(sft$powerEstimate)) NULL else sft$powerEstimate,
  fit_r2 = signed_r2[row],
  fit_slope = fit$slope[row],
  mean_connectivity = fit$mean.k.[row],
  n_blocks = n_blocks,
  block_sizes = I(vapply(net$blockGenes, length, integer(1L))),
  n_excluded_features = sum(!net$goodGenes),
  r_version = paste(R.version$major, R.version$minor, sep = "."),
  wgcna_version = as.character(packageVersion("WGCNA"))
)
jsonlite::write_json(info, file.path(work, "info.json"), auto_unbox = TRUE, digits = NA,
                     null = "null", na = "null")
