/**
 * Datasets for training and evaluation: readers of the real distribution formats (CIFAR-10/100 binary
 * batches, CINIC-10 PNG folders, Tiny ImageNet JPEG folders, MNIST / Fashion-MNIST IDX, plain or gzipped),
 * a procedural {@link dev.vant.data.SyntheticDataset}, per-channel {@link dev.vant.data.Normalization},
 * crop/flip {@link dev.vant.data.Augment}ation and the prefetching, deterministic
 * {@link dev.vant.data.DataLoader}. Entry point: {@link dev.vant.data.Datasets#load}.
 *
 * <p>Bad files fail with a {@link dev.vant.data.BadDataException} whose message starts with the path and
 * says what was expected.
 */
package dev.vant.data;
