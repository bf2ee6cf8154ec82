// kernels/step_state.cuh — the scalars of a training step that change from one step to the next, kept in
// device memory for a captured step (a CUDA graph: dev.vant.backend.cuda.StepGraphs).
//
// A graph freezes the values of its kernels' parameters, so a replayed step reads these from a 16-byte
// buffer that the host rewrites (one H2D copy) before every replay. Eager launches pass nullptr and the
// kernels use their scalar parameters exactly as before, so the eager path computes the same bits.
//   step      the step word of the noise stream (noise epilogue, VANT level draw)
//   lr        the optimizer's learning rate
//   bc1, bc2  Adam's bias corrections 1 - beta1^t, 1 - beta2^t (computed on the host in double, as eager)
// Java twin: dev.vant.backend.cuda.StepGraphs (writes it), dev.vant.backend.StepScalars (its values).
#pragma once

namespace vant {

struct StepState {
  unsigned int step;
  float lr;
  float bc1;
  float bc2;
};

}  // namespace vant
