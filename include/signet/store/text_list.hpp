// How both backends keep a list of short strings (origins, transports) in one text column:
// newline-separated. Shared so the two backends keep the same meaning. None of the values may
// contain a newline (origins and transport names never do).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace signet::store {

inline std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back('\n');
    out += v[i];
  }
  return out;
}

inline std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto nl = s.find('\n');
    out.emplace_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace signet::store
