/**
 * Checkpoints: the safetensors format ({@link dev.vant.io.SafeTensors}) and model / optimizer state in
 * PyTorch's names and layouts ({@link dev.vant.io.Checkpoint}), so vant and PyTorch read each other's files.
 */
package dev.vant.io;
