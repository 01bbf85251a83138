// fuzz_cbor: the strict CBOR profile (cbor::decode_first / cbor::decode_one).
//
// Invariants:
//  - decode_first: on success 0 < consumed <= size; decode_one of exactly that prefix succeeds with an
//    equal value; the prefix one byte shorter does not decode (CBOR items are prefix-free).
//  - decode_one succeeds iff decode_first succeeds and consumed == size; when decode_first fails,
//    decode_one fails with the same code; a result is never returned together with an error.
//  - a decoded value respects the documented profile: container depth <= limits::cbor_max_depth,
//    <= limits::cbor_max_items per array/map, text strings valid UTF-8, map keys unique.
//  - re-encoding the value (preferred serialization) decodes back to an equal value.
//  - the lenient mode (decode_options::allow_indefinite_length, used for the attestation object
//    container only) obeys the same rules, accepts everything the strict profile accepts with the same
//    value and length, and its result re-encoded with definite lengths passes the strict profile.
#include <cstddef>
#include <cstdint>

#include "fuzz_framing.hpp"
#include "limits.hpp"
#include "signet/core/cbor.hpp"

namespace cbor = signet::core::cbor;
namespace limits = signet::core::limits;
using signet::fuzz::equal;

namespace {

void check_profile(const cbor::value& v, std::size_t depth) {
  if (const auto* t = v.as_text()) SIGNET_FUZZ_CHECK(signet::fuzz::valid_utf8(*t));
  if (const auto* a = v.as_array()) {
    SIGNET_FUZZ_CHECK(depth + 1 <= limits::cbor_max_depth);
    SIGNET_FUZZ_CHECK(a->size() <= limits::cbor_max_items);
    for (const auto& e : *a) check_profile(e, depth + 1);
  }
  if (const auto* m = v.as_map()) {
    SIGNET_FUZZ_CHECK(depth + 1 <= limits::cbor_max_depth);
    SIGNET_FUZZ_CHECK(m->size() <= limits::cbor_max_items);
    for (std::size_t i = 0; i < m->size(); ++i) {
      for (std::size_t j = i + 1; j < m->size(); ++j) SIGNET_FUZZ_CHECK(!equal((*m)[i].first, (*m)[j].first));
      check_profile((*m)[i].first, depth + 1);
      check_profile((*m)[i].second, depth + 1);
    }
  }
}

// Checks every invariant for one mode; returns the decode_first result for cross-checks.
boost::system::result<cbor::decoded> check_mode(signet::core::byte_view in, const cbor::decode_options& opts) {
  const std::size_t size = in.size();
  auto first = cbor::decode_first(in, opts);
  const auto one = cbor::decode_one(in, opts);

  if (!first) {
    SIGNET_FUZZ_CHECK(first.has_error() && !first.has_value());
    SIGNET_FUZZ_CHECK(!one);
    SIGNET_FUZZ_CHECK(one.error() == first.error());
    return first;
  }

  const std::size_t consumed = first->consumed;
  SIGNET_FUZZ_CHECK(consumed > 0 && consumed <= size);
  check_profile(first->item, 0);

  // decode_one agrees with decode_first about where the item ends.
  if (consumed == size) {
    SIGNET_FUZZ_CHECK(one.has_value());
    SIGNET_FUZZ_CHECK(equal(*one, first->item));
  } else {
    SIGNET_FUZZ_CHECK(!one);
    SIGNET_FUZZ_CHECK(one.error() == signet::core::errc::cbor_trailing_bytes);
  }

  // Exactly the consumed prefix reproduces the same value ...
  const auto prefix = cbor::decode_one(in.first(consumed), opts);
  SIGNET_FUZZ_CHECK(prefix.has_value());
  SIGNET_FUZZ_CHECK(equal(*prefix, first->item));
  // ... and one byte less is not a complete item.
  SIGNET_FUZZ_CHECK(!cbor::decode_first(in.first(consumed - 1), opts));

  // Preferred serialization (definite lengths) of the value round-trips through the strict profile.
  signet::core::bytes re;
  signet::fuzz::encode(re, first->item);
  // Never longer than a definite-length input (an indefinite container of >= 256 items may grow).
  if (!opts.allow_indefinite_length) SIGNET_FUZZ_CHECK(re.size() <= consumed);
  const auto again = cbor::decode_one(re);
  SIGNET_FUZZ_CHECK(again.has_value());
  SIGNET_FUZZ_CHECK(equal(*again, first->item));
  return first;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const signet::core::byte_view in(data, size);
  const auto strict = check_mode(in, cbor::decode_options{});
  const auto lenient = check_mode(in, cbor::decode_options{.allow_indefinite_length = true});
  // The default overloads are the strict profile.
  SIGNET_FUZZ_CHECK(cbor::decode_first(in).has_value() == strict.has_value());
  if (strict) {
    SIGNET_FUZZ_CHECK(lenient.has_value());
    SIGNET_FUZZ_CHECK(lenient->consumed == strict->consumed);
    SIGNET_FUZZ_CHECK(equal(lenient->item, strict->item));
  }
  return 0;
}
