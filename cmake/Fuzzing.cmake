# Fuzzing (SIGNET_BUILD_FUZZERS, clang only).
# Every object of the fuzz build - the libraries as well as the harnesses - is compiled with libFuzzer's
# coverage instrumentation (-fsanitize=fuzzer-no-link) and with SIGNET_FUZZ_SANITIZERS (AddressSanitizer
# + UndefinedBehaviorSanitizer by default), so a bug deep inside signet_core is caught where it happens.
# The harness executables add -fsanitize=fuzzer at link time (signet_fuzz_harness, see fuzz/CMakeLists.txt).
if(SIGNET_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIGNET_BUILD_FUZZERS needs clang (use the fuzz preset or scripts/fuzz-smoke)")
  endif()
  set(SIGNET_FUZZ_SANITIZERS "address,undefined" CACHE STRING
      "Sanitizers for the fuzz build (comma-separated -fsanitize= list; empty for coverage only)")
  add_compile_options(-fsanitize=fuzzer-no-link -fno-omit-frame-pointer -g)
  if(SIGNET_FUZZ_SANITIZERS)
    # -fno-sanitize-recover: a UBSan finding aborts, so libFuzzer records it as a crash with its input.
    add_compile_options(-fsanitize=${SIGNET_FUZZ_SANITIZERS} -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${SIGNET_FUZZ_SANITIZERS})
  endif()
endif()
