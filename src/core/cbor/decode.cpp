// Strict CBOR profile over libcbor (craft.md "Parsing").
//
// Two passes: scan() walks the item headers itself (bounds-checked, iterative, no allocation per
// item) to enforce the profile limits and learn the exact length of the first item *before* libcbor
// builds a tree (libcbor's build/free recurse, so a deeply nested input must never reach it). Then
// cbor_load() decodes exactly that many bytes and convert() copies the tree into our owned value,
// checking types, integer range, UTF-8 and duplicate keys. Nothing is returned unless all passed.
#include <cbor.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "limits.hpp"
#include "signet/core/cbor.hpp"
#include "signet/core/errc.hpp"

namespace signet::core::cbor {
namespace {

using boost::system::result;

struct item_deleter {
  void operator()(cbor_item_t* p) const noexcept { cbor_decref(&p); }
};
using item_ptr = std::unique_ptr<cbor_item_t, item_deleter>;

// Reads the argument of a header at in[pos]; advances pos. Returns false when truncated.
bool read_argument(byte_view in, std::size_t& pos, unsigned info, std::uint64_t& arg) {
  std::size_t n = 0;
  if (info < 24) {
    arg = info;
    return true;
  }
  switch (info) {
    case 24: n = 1; break;
    case 25: n = 2; break;
    case 26: n = 4; break;
    case 27: n = 8; break;
    default: return false;
  }
  if (in.size() - pos < n) return false;
  arg = 0;
  for (std::size_t i = 0; i < n; ++i) arg = (arg << 8) | in[pos + i];
  pos += n;
  return true;
}

bool valid_utf8(const unsigned char* s, std::size_t n) {
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = s[i];
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    // Overlong forms, surrogates and values above U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

// Frame of the iterative scanner: how many child items are still expected in an open container.
struct frame {
  std::uint64_t remaining;  // for definite containers
  bool indefinite;
  bool string_chunks;       // an indefinite string: children must be definite strings of `major`
  unsigned major;
};

// Validates the structure of the first item and returns its encoded length.
result<std::size_t> scan(byte_view in, const decode_options& opts) {
  std::size_t pos = 0;
  std::vector<frame> stack;
  std::size_t total_items = 0;
  do {
    if (pos >= in.size()) return errc::cbor_truncated;
    const unsigned initial = in[pos++];
    const unsigned major = initial >> 5;
    const unsigned info = initial & 0x1f;

    if (initial == 0xff) {  // "break"
      if (stack.empty() || !stack.back().indefinite) return errc::cbor_malformed;
      if (!stack.back().string_chunks && stack.back().major == 5 && stack.back().remaining % 2 != 0)
        return errc::cbor_malformed;  // map with a key but no value
      stack.pop_back();
    } else {
      if (!stack.empty() && stack.back().string_chunks &&
          (major != stack.back().major || info == 31))
        return errc::cbor_malformed;  // RFC 8949 §3.2.3: chunks are definite strings of the same type
      if (++total_items > limits::cbor_max_input) return errc::cbor_too_large;
      std::uint64_t arg = 0;
      if (info == 31) {
        if (major < 2 || major > 5) return errc::cbor_malformed;
        if (!opts.allow_indefinite_length) return errc::cbor_indefinite_length;
      } else if (info >= 28) {
        return errc::cbor_malformed;
      } else if (!read_argument(in, pos, info, arg)) {
        return errc::cbor_truncated;
      }
      // Count this item against its parent.
      if (!stack.empty() && !stack.back().indefinite) {
        --stack.back().remaining;
      } else if (!stack.empty()) {
        // Indefinite container: count its children (map parity, and the same item limit a definite
        // header is held to; found by fuzz_cbor: tests/vectors/fuzz/cbor/indefinite-array-1025-items).
        auto& parent = stack.back();
        ++parent.remaining;
        const std::uint64_t cap = parent.major == 5 ? 2 * limits::cbor_max_items : limits::cbor_max_items;
        if (!parent.string_chunks && parent.remaining > cap) return errc::cbor_too_large;
      }

      switch (major) {
        case 0:
        case 1:
          break;
        case 2:
        case 3:
          if (info == 31) {
            if (stack.size() + 1 > limits::cbor_max_depth) return errc::cbor_depth_exceeded;
            stack.push_back({0, true, true, major});
          } else {
            if (arg > in.size() - pos) return errc::cbor_truncated;
            // Text must be UTF-8 (RFC 8949 §3.1); checked here so the code is exact.
            if (major == 3 && !valid_utf8(in.data() + pos, static_cast<std::size_t>(arg))) return errc::cbor_invalid_utf8;
            pos += static_cast<std::size_t>(arg);
          }
          break;
        case 4:
        case 5: {
          if (stack.size() + 1 > limits::cbor_max_depth) return errc::cbor_depth_exceeded;
          if (info == 31) {
            stack.push_back({0, true, false, major});
          } else {
            if (arg > limits::cbor_max_items) return errc::cbor_too_large;
            const std::uint64_t children = major == 5 ? arg * 2 : arg;
            // Each child needs at least one byte: reject impossible counts before looping.
            if (children > in.size() - pos) return errc::cbor_truncated;
            if (children > 0) stack.push_back({children, false, false, major});
          }
          break;
        }
        case 6:
          return errc::cbor_tag_not_allowed;
        case 7:
          // Only false (20), true (21) and null (22); no floats, undefined or other simple values.
          if (info != 20 && info != 21 && info != 22) return errc::cbor_unsupported_type;
          break;
        default:
          return errc::cbor_malformed;
      }
    }
    // Close every definite container that is now complete.
    while (!stack.empty() && !stack.back().indefinite && stack.back().remaining == 0) stack.pop_back();
  } while (!stack.empty());
  return pos;
}

bool equal_keys(const value& a, const value& b) {
  if (a.v.index() != b.v.index()) return false;
  if (auto ai = a.as_int()) return *ai == *b.as_int();
  if (auto at = a.as_text()) return *at == *b.as_text();
  if (auto ab = a.as_bytes()) return *ab == *b.as_bytes();
  return false;  // arrays/maps/bools/null as keys are refused before this is called
}

result<value> convert(const cbor_item_t* item);

result<value> convert_string(const cbor_item_t* item, bool text) {
  std::string out;
  auto append = [&](const cbor_item_t* chunk) {
    const auto* data = text ? cbor_string_handle(chunk) : cbor_bytestring_handle(chunk);
    const std::size_t len = text ? cbor_string_length(chunk) : cbor_bytestring_length(chunk);
    if (len > 0) out.append(reinterpret_cast<const char*>(data), len);
  };
  const bool indefinite = text ? cbor_string_is_indefinite(item) : cbor_bytestring_is_indefinite(item);
  if (indefinite) {
    const std::size_t n = text ? cbor_string_chunk_count(item) : cbor_bytestring_chunk_count(item);
    cbor_item_t** chunks = text ? cbor_string_chunks_handle(item) : cbor_bytestring_chunks_handle(item);
    for (std::size_t i = 0; i < n; ++i) append(chunks[i]);
  } else {
    append(item);
  }
  if (text) {
    if (!valid_utf8(reinterpret_cast<const unsigned char*>(out.data()), out.size())) return errc::cbor_invalid_utf8;
    return value{std::move(out)};
  }
  return value{bytes(out.begin(), out.end())};
}

result<value> convert(const cbor_item_t* item) {
  switch (cbor_typeof(item)) {
    case CBOR_TYPE_UINT: {
      const std::uint64_t v = cbor_get_int(item);
      if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return errc::cbor_integer_out_of_range;
      return value{static_cast<std::int64_t>(v)};
    }
    case CBOR_TYPE_NEGINT: {
      const std::uint64_t v = cbor_get_int(item);  // the value is -1 - v
      if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return errc::cbor_integer_out_of_range;
      return value{-1 - static_cast<std::int64_t>(v)};
    }
    case CBOR_TYPE_BYTESTRING:
      return convert_string(item, false);
    case CBOR_TYPE_STRING:
      return convert_string(item, true);
    case CBOR_TYPE_ARRAY: {
      array out;
      const std::size_t n = cbor_array_size(item);
      cbor_item_t** items = cbor_array_handle(item);
      out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        auto v = convert(items[i]);
        if (!v) return v.error();
        out.push_back(std::move(*v));
      }
      return value{std::move(out)};
    }
    case CBOR_TYPE_MAP: {
      map out;
      const std::size_t n = cbor_map_size(item);
      struct cbor_pair* pairs = cbor_map_handle(item);
      out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        auto k = convert(pairs[i].key);
        if (!k) return k.error();
        // Keys are integers or strings in every structure we read (COSE, attestation, extensions).
        if (!k->is_int() && !k->is_text() && !k->is_bytes()) return errc::cbor_unsupported_type;
        for (const auto& [existing, unused] : out)
          if (equal_keys(existing, *k)) return errc::cbor_duplicate_key;
        auto v = convert(pairs[i].value);
        if (!v) return v.error();
        out.emplace_back(std::move(*k), std::move(*v));
      }
      return value{std::move(out)};
    }
    case CBOR_TYPE_FLOAT_CTRL:
      if (cbor_is_bool(item)) return value{cbor_get_bool(item)};
      if (cbor_is_null(item)) return value{null_t{}};
      return errc::cbor_unsupported_type;
    case CBOR_TYPE_TAG:
      return errc::cbor_tag_not_allowed;
  }
  return errc::cbor_malformed;
}

}  // namespace

const value* find(const map& m, std::int64_t key) noexcept {
  for (const auto& [k, v] : m)
    if (auto i = k.as_int(); i && *i == key) return &v;
  return nullptr;
}

const value* find(const map& m, std::string_view key) noexcept {
  for (const auto& [k, v] : m)
    if (auto t = k.as_text(); t && *t == key) return &v;
  return nullptr;
}

result<decoded> decode_first(byte_view in, const decode_options& opts) {
  if (in.size() > limits::cbor_max_input) return errc::cbor_too_large;
  if (in.empty()) return errc::cbor_truncated;
  auto len = scan(in, opts);
  if (!len) return len.error();
  struct cbor_load_result res {};
  item_ptr item(cbor_load(in.data(), *len, &res));
  if (!item || res.error.code != CBOR_ERR_NONE) {
    if (res.error.code == CBOR_ERR_NOTENOUGHDATA) return errc::cbor_truncated;
    return errc::cbor_malformed;
  }
  if (res.read != *len) return errc::cbor_malformed;  // scanner and libcbor must agree
  auto v = convert(item.get());
  if (!v) return v.error();
  return decoded{std::move(*v), *len};
}

result<decoded> decode_first(byte_view in) { return decode_first(in, decode_options{}); }

result<value> decode_one(byte_view in, const decode_options& opts) {
  auto d = decode_first(in, opts);
  if (!d) return d.error();
  if (d->consumed != in.size()) return errc::cbor_trailing_bytes;
  return std::move(d->item);
}

result<value> decode_one(byte_view in) { return decode_one(in, decode_options{}); }

}  // namespace signet::core::cbor
