// Column lists in SQL text, shared by both backends' joins.
#pragma once

#include <string>
#include <string_view>

namespace signet::store {

/// "a, b, c" with each column name prefixed by a table alias ("u." → "u.a, u.b, u.c").
inline std::string prefixed_columns(std::string_view alias, std::string_view cols) {
  std::string out;
  while (!cols.empty()) {
    const auto comma = cols.find(',');
    auto col = cols.substr(0, comma);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += alias;
    out += col;
    if (comma == std::string_view::npos) break;
    cols.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace signet::store
