package dev.vant.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;

/**
 * One opened CUDA device: a context, this build's fatbin loaded as a module, kernels by name, and a
 * memory pool. Open it with {@link Cuda#open()}; close it (try-with-resources) to free everything.
 *
 * <p>Every driver call goes through {@link #check}, the one place where a failing CUresult becomes a
 * {@link CudaException} that names the vant operation.
 */
public final class CudaDevice implements AutoCloseable {
  private final CUcontext context;
  private final CUmodule module;
  private final Fatbin fatbin;
  /** The kernels loaded so far, each with its launches (graph-captured ones included) since the device was opened. */
  private final Map<String, Kernel> functions = new HashMap<>();

  private static final class Kernel {
    final CUfunction f;
    long launches;

    Kernel(CUfunction f) {
      this.f = f;
    }
  }
  private final MemoryPool pool;
  private final DeviceInfo info;
  private boolean closed;
  /** The stream of captures and graph launches (created at the first capture); null until then. */
  private CUstream graphStream;
  /** True between {@link #beginCapture} and {@link #endCapture}: launches are recorded, not run. */
  private boolean capturing;
  private final java.util.Set<CudaGraph> graphs = new java.util.HashSet<>();

  private CudaDevice(CUcontext context, CUmodule module, Fatbin fatbin, DeviceInfo info) {
    this.context = context;
    this.module = module;
    this.fatbin = fatbin;
    this.info = info;
    this.pool = new MemoryPool(this);
  }

  /** Opens device {@code ordinal}; the caller has already initialized the driver. */
  static CudaDevice open(int ordinal, Fatbin fatbin) {
    CUdevice dev = new CUdevice();
    check(cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
    DeviceInfo info = DeviceInfo.query(dev, ordinal);
    CUcontext ctx = new CUcontext();
    check(cuCtxCreate(ctx, 0, dev), "cuCtxCreate on " + info.name());
    CUmodule module = new CUmodule();
    int rc = cuModuleLoadData(module, fatbin.image());
    if (rc != CUresult.CUDA_SUCCESS) {
      cuCtxDestroy(ctx);
      if (rc == CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU || rc == CUresult.CUDA_ERROR_INVALID_PTX
          || rc == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
        throw new CudaException("the fatbin has no code for " + info.name() + " (sm_" + info.ccMajor()
            + info.ccMinor() + "); it was built for " + String.join(", ", fatbin.archs()) + ": "
            + CUresult.stringFor(rc));
      }
      throw new CudaException("cuModuleLoadData(vant.fatbin, " + fatbin.size() + " bytes)", rc, CUresult.stringFor(rc));
    }
    return new CudaDevice(ctx, module, fatbin, info);
  }

  /** Throws a {@link CudaException} naming {@code op} unless {@code rc} is CUDA_SUCCESS. */
  public static void check(int rc, String op) {
    if (rc != CUresult.CUDA_SUCCESS) throw new CudaException(op, rc, CUresult.stringFor(rc));
  }

  /** Name, compute capability, memory and driver version of this device. */
  public DeviceInfo info() {
    return info;
  }

  public Fatbin fatbin() {
    return fatbin;
  }

  /** The memory pool of this device: buffers are reused across steps and freed when the device closes. */
  public MemoryPool pool() {
    return pool;
  }

  /** Makes this device's context current on the calling thread (contexts are per thread in the driver). */
  void makeCurrent() {
    if (closed) throw new IllegalStateException("CUDA device " + info.name() + " is closed");
    check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  /** The kernel entry point {@code name} of the fatbin. */
  public CUfunction function(String name) {
    return kernel(name).f;
  }

  /** {@link #kernel} with one more launch counted (one lookup, one lock per launch). */
  private synchronized Kernel counted(String name) {
    Kernel k = kernel(name);
    k.launches++;
    return k;
  }

  private synchronized Kernel kernel(String name) {
    makeCurrent();
    return functions.computeIfAbsent(name, n -> {
      CUfunction f = new CUfunction();
      check(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
      return new Kernel(f);
    });
  }

  /**
   * Launches {@code kernel} on the default stream. {@code op} names the operation and its shapes for
   * error messages. Launch errors surface here; execution errors surface at the next synchronize.
   */
  public void launch(String op, String kernel, long gridX, int blockX, int sharedBytes, Pointer params) {
    if (gridX < 1 || gridX > Integer.MAX_VALUE) {
      throw new CudaException(op + ": grid of " + gridX + " blocks is out of range");
    }
    CUfunction f = counted(kernel).f;
    if (sharedBytes > STATIC_SHARED_LIMIT) raiseDynamicShared(kernel, f, sharedBytes);
    check(cuLaunchKernel(f, (int) gridX, 1, 1, blockX, 1, 1, sharedBytes, capturing ? graphStream : null, params, null),
        "launch " + kernel + " for " + op + (capturing ? " (while capturing a CUDA graph)" : ""));
  }

  /**
   * Launches so far per kernel name (a launch recorded into a graph counts once, its replays not at all): what a
   * training step launches, for tests that pin the fusions and for reports.
   */
  public synchronized Map<String, Long> launchCounts() {
    Map<String, Long> m = new java.util.TreeMap<>();
    functions.forEach((name, k) -> {
      if (k.launches > 0) m.put(name, k.launches);
    });
    return m;
  }

  /** Dynamic shared memory a kernel may use without opting in (48 KiB on every CUDA GPU). */
  static final int STATIC_SHARED_LIMIT = 48 * 1024;

  /** Per kernel, the dynamic shared memory it has been allowed (cuFuncSetAttribute), to call the driver once. */
  private final Map<String, Integer> sharedAllowed = new HashMap<>();

  private synchronized void raiseDynamicShared(String kernel, CUfunction f, int bytes) {
    Integer have = sharedAllowed.get(kernel);
    if (have != null && have >= bytes) return;
    check(cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
        "cuFuncSetAttribute(" + kernel + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")");
    // The whole unified L1 as shared memory: the kernels that opt in here (K32, wgmma: 78-192 KiB per block) are
    // sized for 2 blocks per SM where they fit (e.g. 2 x 105 KiB of the 128 x 64 wgmma forwards), and the carveout
    // the driver picks without a preference is only promised to fit one. A hint the driver may override.
    check(cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100),
        "cuFuncSetAttribute(" + kernel + ", PREFERRED_SHARED_MEMORY_CARVEOUT, 100)");
    sharedAllowed.put(kernel, bytes);
  }

  // ---- CUDA graphs ---------------------------------------------------------------------------------------
  // Every launch normally goes to the legacy default stream. A capture cannot use that stream, so it runs on
  // graphStream, a blocking stream (flags 0): work on the default stream waits for it and it waits for the
  // default stream, so replays stay ordered with the surrounding eager work and synchronous copies. The mode
  // is GLOBAL, the strictest: any call that would synchronize (a synchronous copy, cuMemAlloc,
  // cuCtxSynchronize) fails during the capture instead of being silently frozen out of the graph.

  /** True while a capture is recording (launches go into the graph; copies and allocations are refused). */
  public boolean capturing() {
    return capturing;
  }

  /**
   * Starts recording the launches of this thread into a graph (cuStreamBeginCapture, GLOBAL mode). Every
   * {@link #launch} until {@link #endCapture} is recorded, not run.
   */
  public void beginCapture(String what) {
    makeCurrent();
    if (capturing) throw new IllegalStateException("capture of " + what + ": a capture is already recording");
    if (graphStream == null) {
      CUstream s = new CUstream();
      check(cuStreamCreate(s, 0), "cuStreamCreate for CUDA graphs");
      graphStream = s;
    }
    check(cuStreamBeginCapture(graphStream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_GLOBAL), "begin capture of " + what);
    pool.beginCapture();
    capturing = true;
  }

  /**
   * Ends the capture begun by {@link #beginCapture} and instantiates the graph. With {@code abandon} (the
   * recording body threw) the graph is discarded and null returned; a capture the driver invalidated
   * (an illegal call inside it) fails naming {@code what}.
   */
  public CudaGraph endCapture(String what, boolean abandon) {
    if (!capturing) throw new IllegalStateException("end capture of " + what + ": no capture is recording");
    capturing = false;
    makeCurrent();
    CUgraph g = new CUgraph();
    int rc = cuStreamEndCapture(graphStream, g);
    if (abandon) {
      pool.endCapture(false);
      if (rc == CUresult.CUDA_SUCCESS) cuGraphDestroy(g);
      return null;
    }
    CUgraphExec exec = new CUgraphExec();
    boolean made = false;
    try {
      check(rc, "end capture of " + what);
      check(cuGraphInstantiate(exec, g, 0), "instantiate the CUDA graph of " + what);
      made = true;
    } finally {
      if (rc == CUresult.CUDA_SUCCESS) cuGraphDestroy(g);
      if (!made) pool.endCapture(false);
    }
    // From here on the graph holds every block its launches were given (MemoryPool), until it closes.
    CudaGraph graph = new CudaGraph(this, exec, what, pool.endCapture(true));
    graphs.add(graph);
    return graph;
  }

  void launchGraph(CudaGraph g, CUgraphExec exec) {
    makeCurrent();
    if (capturing) throw new IllegalStateException("launch of the CUDA graph of " + g.what() + " during a capture");
    check(cuGraphLaunch(exec, graphStream), "launch the CUDA graph of " + g.what());
  }

  void destroyGraph(CudaGraph g, CUgraphExec exec, java.util.Map<jcuda.driver.CUdeviceptr, Long> held) {
    if (closed) return;
    makeCurrent();
    graphs.remove(g);
    cuGraphExecDestroy(exec);
    pool.releaseHeld(held);
  }

  /**
   * The device attribute {@code attr} (a {@code CUdevice_attribute} constant), e.g. the L2 cache size the
   * benchmarks size their rotating inputs by.
   */
  public int attribute(int attr) {
    makeCurrent();
    CUdevice d = new CUdevice();
    check(cuCtxGetDevice(d), "cuCtxGetDevice");
    int[] v = new int[1];
    check(cuDeviceGetAttribute(v, attr, d), "cuDeviceGetAttribute(" + CUdevice_attribute.stringFor(attr) + ")");
    return v[0];
  }

  /** Waits for all work on this device; an asynchronous kernel fault is reported under {@code op}. */
  public void synchronize(String op) {
    makeCurrent();
    check(cuCtxSynchronize(), "synchronize after " + op);
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    makeCurrent();
    for (CudaGraph g : java.util.List.copyOf(graphs)) g.close();
    if (graphStream != null) cuStreamDestroy(graphStream);
    pool.freeAll();
    functions.clear();
    sharedAllowed.clear();
    cuModuleUnload(module);
    cuCtxDestroy(context);
    closed = true;
  }

  /** What {@code vant info} reports about a device. */
  public record DeviceInfo(int ordinal, String name, int ccMajor, int ccMinor, long totalMemory,
      int multiprocessors, int driverVersion) {

    static DeviceInfo query(CUdevice dev, int ordinal) {
      byte[] name = new byte[256];
      check(cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
      int len = 0;
      while (len < name.length && name[len] != 0) len++;
      long[] mem = new long[1];
      check(cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem");
      int[] driver = new int[1];
      check(cuDriverGetVersion(driver), "cuDriverGetVersion");
      return new DeviceInfo(ordinal, new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8),
          attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
          attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
          mem[0], attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), driver[0]);
    }

    private static int attribute(CUdevice dev, int attr) {
      int[] v = new int[1];
      check(cuDeviceGetAttribute(v, attr, dev), "cuDeviceGetAttribute(" + CUdevice_attribute.stringFor(attr) + ")");
      return v[0];
    }

    /** Driver version as major.minor, e.g. 13.0 for 13000. */
    public String driverVersionString() {
      return (driverVersion / 1000) + "." + (driverVersion % 1000) / 10;
    }

    /** True for vant's CPU emulation of the driver (native/), which names its device accordingly. */
    public boolean emulated() {
      return name.contains("emulator");
    }
  }
}
