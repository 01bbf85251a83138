// Build workaround for the fuzz configuration only (clang + libstdc++ 12). Force-included by
// cmake/Fuzzing.cmake ONLY when a probe shows that include/signet/core/cbor.hpp does not compile with
// this compiler; it switches itself off as soon as the header compiles.
//
// Why: cbor::value is an aggregate holding std::variant<..., std::vector<std::pair<value, value>>>.
// Instantiating std::pair<value, value> makes libstdc++ ask whether value is implicitly default-
// constructible; with clang that question needs ~variant, hence ~vector<pair<value, value>>, hence
// pair<value, value> complete - which it is not yet. GCC does not evaluate it eagerly and accepts the
// header. The answer is plainly "yes" (value's only member has a default constructor), so we state it
// up front. The proper fix belongs in cbor.hpp (reported to core): give value declared special members
// defaulted after the class.
#pragma once

#include <type_traits>

namespace signet::core::cbor {
struct value;
}

namespace std {
template <>
struct __is_implicitly_default_constructible<signet::core::cbor::value> : true_type {};
}  // namespace std
