package dev.vant.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vant.cuda.Cuda;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.Fatbin;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vant info}: what this machine and this build can do. */
@Command(name = "info", mixinStandardHelpOptions = true,
    description = "Show the Java runtime, the CPU backend, and whether CUDA is usable (or exactly why not).")
public final class InfoCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print the same facts as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> facts = facts();
    if (json) {
      System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(facts));
    } else {
      print(facts, "");
    }
    return 0;
  }

  /** Everything {@code vant info} reports, as nested maps in print order. */
  static Map<String, Object> facts() {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("vant", Main.VERSION);
    Map<String, Object> java = new LinkedHashMap<>();
    java.put("version", System.getProperty("java.version"));
    java.put("vendor", System.getProperty("java.vendor"));
    java.put("vm", System.getProperty("java.vm.name"));
    f.put("java", java);
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpu.put("backend", "java");
    cpu.put("threads", Runtime.getRuntime().availableProcessors());
    cpu.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    f.put("cpu", cpu);

    Cuda.Status s = Cuda.status();
    Map<String, Object> cuda = new LinkedHashMap<>();
    cuda.put("available", s.available());
    cuda.put("reason", s.reason());
    if (s.device() != null) {
      CudaDevice.DeviceInfo d = s.device();
      Map<String, Object> dev = new LinkedHashMap<>();
      dev.put("name", d.name());
      dev.put("emulated", d.emulated());
      dev.put("computeCapability", d.ccMajor() + "." + d.ccMinor());
      dev.put("memoryBytes", d.totalMemory());
      dev.put("memory", String.format(Locale.ROOT, "%.1f GiB", d.totalMemory() / (double) (1L << 30)));
      dev.put("multiprocessors", d.multiprocessors());
      dev.put("driver", d.driverVersionString());
      cuda.put("device", dev);
    }
    Fatbin fb = s.fatbin();
    Map<String, Object> code = new LinkedHashMap<>();
    if (fb == null) {
      code.put("present", false);
      code.put("note", Fatbin.NO_GPU_CODE);
    } else {
      code.put("present", true);
      code.put("archs", fb.archs());
      code.put("kernels", fb.kernels());
      code.put("nvcc", fb.nvcc());
      code.put("bytes", fb.size());
    }
    cuda.put("fatbin", code);
    f.put("cuda", cuda);
    return f;
  }

  @SuppressWarnings("unchecked")
  private static void print(Map<String, Object> m, String indent) {
    for (Map.Entry<String, Object> e : m.entrySet()) {
      if (e.getValue() instanceof Map<?, ?> sub) {
        System.out.println(indent + e.getKey() + ":");
        print((Map<String, Object>) sub, indent + "  ");
      } else if (e.getValue() instanceof java.util.List<?> list) {
        System.out.println(indent + e.getKey() + ": " + String.join(", ", list.stream().map(String::valueOf).toList()));
      } else {
        System.out.println(indent + e.getKey() + ": " + e.getValue());
      }
    }
  }
}
