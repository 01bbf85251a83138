// A JSON tree's arena: a tree built, serialised and dropped within one scope (a handler's parsed
// body and response, a ceremony record) takes its memory from an N-byte buffer on the stack, the
// heap beyond it, and gives it all back at once when the arena goes.
#pragma once

#include <cstddef>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

namespace signet::core {

template <std::size_t N>
class json_arena {
 public:
  json_arena() = default;
  json_arena(const json_arena&) = delete;
  json_arena& operator=(const json_arena&) = delete;

  /// Non-owning: every tree built with it must be gone before the arena is.
  boost::json::storage_ptr storage() noexcept { return boost::json::storage_ptr(&mr_); }

 private:
  unsigned char buf_[N];
  boost::json::monotonic_resource mr_{buf_, N};
};

}  // namespace signet::core
