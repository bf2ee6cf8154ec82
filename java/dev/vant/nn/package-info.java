/**
 * Noisy layers and the paper's models on the {@link dev.vant.backend.Backend} seam.
 *
 * <p>A {@link dev.vant.nn.Layer} is its parameters, a forward pass and the backward pass below it; each
 * noisy layer makes one fused backend call (conv + bias + noise, BN -> ReLU -> noise, add -> ReLU ->
 * noise, pool + noise, linear + bias + noise). Layers never touch JCuda. Activations are NHWC
 * {@code [N, H, W, C]}, conv weights KRSC {@code [K, R, S, C]}, linear weights {@code [OUT, IN]}.
 *
 * <p>Noise (DESIGN.md §1): every noise <em>application</em> has a stable site id in forward order and
 * belongs to a noise <em>operator</em> (a block's "ReLU + noise" operator is applied after each of its
 * ReLUs); {@link dev.vant.nn.Model#noiseSites()} and {@link dev.vant.nn.Model#noiseOperators()} list
 * them, and a {@link dev.vant.nn.NoiseContext} (seed, step, sigma or per-sample sigmas, type, operators
 * switched off) drives one forward pass.
 *
 * <p>Entry points: {@link dev.vant.nn.Models} (ResNet-18/34/50, ResNet-20, LeNet-5, MLP),
 * {@link dev.vant.nn.ResNet#builder()}, {@link dev.vant.nn.Sequential#builder()} and
 * {@link dev.vant.nn.Model#builder(Layer)}; see {@code dev.vant.examples.QuickStart}.
 */
package dev.vant.nn;
