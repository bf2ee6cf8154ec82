/**
 * The two CPU implementations of {@link dev.vant.backend.Backend}.
 *
 * <h2>{@link dev.vant.backend.cpu.ReferenceBackend} — the oracle</h2>
 * Plain loops over double[] storage ({@link dev.vant.backend.cpu.CpuStorage}), one obviously correct
 * method per op. Two {@link dev.vant.backend.cpu.Precision} modes run the same loops:
 * <ul>
 *   <li>{@code DOUBLE}: nothing is rounded. Gradient checks (of ops here, of layers and whole models in
 *       {@code dev.vant.nn}) perturb inputs through {@link dev.vant.backend.cpu.CpuTensors#doubles} and take
 *       central differences; the noise is the same constant in the +/- passes when (seed, site, step)
 *       are kept, so it checks to 1e-6 relative.</li>
 *   <li>{@code FLOAT32}: every op rounds its outputs to float, and noise is applied with float fma
 *       ({@code fma(s, z, x)} rounded once, as on the GPU): the float32 oracle of the fast and CUDA backends.</li>
 * </ul>
 * The Gaussians are those of {@link dev.vant.random.NoiseStream} (float) in both modes.
 *
 * <h2>{@link dev.vant.backend.cpu.FastBackend} — the engine</h2>
 * float[] storage ({@link dev.vant.backend.cpu.FloatStorage}), a pool of N threads, conv as im2col +
 * OpenBLAS SGEMM ({@code org.bytedeco:openblas}, single-threaded per call; see {@code FastConv2d}),
 * linear through SGEMM, and the fused epilogues of the GPU plan (conv/linear + bias + noise,
 * BN + ReLU + noise, add + ReLU + noise, pool + noise) computed chunk by chunk while the data is in cache.
 * Work is cut into chunks that depend only on the shapes, and reductions are combined in chunk order:
 * results are bit-identical for any thread count. Noise is generated per chunk (a pure function of
 * the element index), so it runs on all threads too.
 *
 * <p>Tests compare fast against {@code ReferenceBackend(FLOAT32)} with
 * {@code |fast - ref| <= 1e-4 (|ref| + rms(ref))} per element.
 */
package dev.vant.backend.cpu;
