// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// They expand to nothing on other compilers; the clang build runs -Wthread-safety.
#pragma once

#if defined(__clang__)
#define PARTHENON_TSA(x) __attribute__((x))
#else
#define PARTHENON_TSA(x)
#endif

#define CAPABILITY(x) PARTHENON_TSA(capability(x))
#define SCOPED_CAPABILITY PARTHENON_TSA(scoped_lockable)
#define GUARDED_BY(x) PARTHENON_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) PARTHENON_TSA(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) PARTHENON_TSA(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) PARTHENON_TSA(acquired_after(__VA_ARGS__))
#define REQUIRES(...) PARTHENON_TSA(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) PARTHENON_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) PARTHENON_TSA(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) PARTHENON_TSA(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) PARTHENON_TSA(locks_excluded(__VA_ARGS__))
#define RETURN_CAPABILITY(x) PARTHENON_TSA(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS PARTHENON_TSA(no_thread_safety_analysis)
