package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.backend.cpu.CpuTensors;
import dev.vant.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A model's backward computes no data gradient nobody reads: not the stem conv's behind the parameter-free input noise. */
class SequentialBackwardTest {
  @Test
  void theStemConvComputesNoInputGradient() {
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    Backend counting = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
        (proxy, method, args) -> {
          calls.computeIfAbsent(method.getName(), k -> new AtomicInteger()).incrementAndGet();
          try {
            return method.invoke(NnGradCheck.DBL, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    try (Model m = ResNet.builder().input(6, 6, 2).classes(3).blocks(1, 1).widths(2, 3).build(counting, 21)) {
      NoiseContext ctx = NnGradCheck.noise(Noise.Type.ADDITIVE, 2);
      Tensor x = NnGradCheck.DBL.zeros(2, 6, 6, 2);
      double[] xs = CpuTensors.doubles(x);
      for (int i = 0; i < xs.length; i++) xs[i] = Math.sin(i);
      Tensor logits = m.forward(x, ctx);
      Tensor dl = NnGradCheck.DBL.zeros(logits.shape());
      CpuTensors.doubles(dl)[0] = 1;
      int convs = calls.get("conv2dForward").get();
      assertTrue(convs >= 6, "stem + 2 blocks of 2 convs + a shortcut: " + convs);
      m.backward(dl);
      assertEquals(convs - 1, calls.get("conv2dBackwardData").get(), "every conv but the stem passes a gradient back");
      assertEquals(convs, calls.get("conv2dBackwardWeight").get(), "every conv's weights get their gradient");
    }
  }
}
