# Fuzzing (SIGNET_BUILD_FUZZERS, clang only).
# Every object of the fuzz build - the libraries as well as the harnesses - is compiled with libFuzzer's
# coverage instrumentation (-fsanitize=fuzzer-no-link) and with SIGNET_FUZZ_SANITIZERS (AddressSanitizer
# + UndefinedBehaviorSanitizer by default), so a bug deep inside signet_core is caught where it happens.
# The harness executables add -fsanitize=fuzzer at link time (see fuzz/CMakeLists.txt).
if(SIGNET_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIGNET_BUILD_FUZZERS needs clang (use the fuzz preset or scripts/fuzz-smoke)")
  endif()
  # The fuzzers are CTest tests (fuzz/CMakeLists.txt) even when SIGNET_BUILD_TESTS is OFF; ctest
  # looks for them from the build root, so testing is enabled here, at the top-level scope.
  enable_testing()
  set(SIGNET_FUZZ_SANITIZERS "address,undefined" CACHE STRING
      "Sanitizers for the fuzz build (comma-separated -fsanitize= list; empty for coverage only)")
  add_compile_options(-fsanitize=fuzzer-no-link -fno-omit-frame-pointer -g)
  if(SIGNET_FUZZ_SANITIZERS)
    # -fno-sanitize-recover: a UBSan finding aborts, so libFuzzer records it as a crash with its input.
    add_compile_options(-fsanitize=${SIGNET_FUZZ_SANITIZERS} -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${SIGNET_FUZZ_SANITIZERS})
  endif()

  # Probe: does the public CBOR header compile with this clang + standard library? (clang-14 with
  # libstdc++ 12 rejects the recursive cbor::value; see fuzz/libstdcxx_clang_compat.hpp.) Re-run on
  # every configure so the workaround disappears by itself once the header is fixed.
  include(CheckCXXSourceCompiles)
  unset(SIGNET_CBOR_HEADER_COMPILES CACHE)
  set(CMAKE_REQUIRED_INCLUDES ${PROJECT_SOURCE_DIR}/include ${Boost_INCLUDE_DIRS})
  set(CMAKE_REQUIRED_QUIET ON)
  check_cxx_source_compiles([=[
    #include "signet/core/cbor.hpp"
    int main() {
      signet::core::cbor::map m;
      m.emplace_back(signet::core::cbor::value{}, signet::core::cbor::value{});
      return m.front().first.as_map() != nullptr;
    }]=] SIGNET_CBOR_HEADER_COMPILES)
  unset(CMAKE_REQUIRED_INCLUDES)
  unset(CMAKE_REQUIRED_QUIET)
  if(NOT SIGNET_CBOR_HEADER_COMPILES)
    message(WARNING "signet/core/cbor.hpp does not compile with ${CMAKE_CXX_COMPILER}; "
                    "force-including fuzz/libstdcxx_clang_compat.hpp in the fuzz build")
    string(APPEND CMAKE_CXX_FLAGS " -include ${PROJECT_SOURCE_DIR}/fuzz/libstdcxx_clang_compat.hpp")
  endif()
endif()
