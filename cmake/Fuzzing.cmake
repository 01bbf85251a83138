# Fuzz targets need clang's libFuzzer; signet_fuzz_flags carries -fsanitize=fuzzer-no-link for the libraries.
if(SIGNET_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIGNET_BUILD_FUZZERS needs clang (use the fuzz preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
