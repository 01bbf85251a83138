# signet_warnings: the project's warning set, linked PRIVATE by every target.
add_library(signet_warnings INTERFACE)
target_compile_options(signet_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${SIGNET_WARNINGS_AS_ERRORS}>:-Werror>)
