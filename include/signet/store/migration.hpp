// A numbered schema migration. Each backend keeps its own list with the same numbers and meaning.
#pragma once

#include <string_view>
#include <vector>

namespace signet::store {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

}  // namespace signet::store
