// Vectors whose source verdict we deliberately do not reproduce. Each entry is listed, with the
// spec text that decides it, in docs/design.md under "Vectors where we differ". With --check such a
// vector passes only when we reject it with exactly `error_code`; any other outcome fails.
#pragma once

#include <string_view>

namespace signet::app::detail {

struct deviation {
  std::string_view vector_id;
  std::string_view error_code;  // core errc name we must return
  std::string_view reason;      // one line; the full argument is in docs/design.md
};

/// nullptr when the vector is not a documented deviation.
const deviation* find_deviation(std::string_view vector_id) noexcept;

}  // namespace signet::app::detail
