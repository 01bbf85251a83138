// A JSON text written straight into a string, for the small documents the request path writes many
// times a second (ceremony records, options): no tree, no allocation beyond the string's own. The
// caller writes members in order; the writer places the commas and escapes the strings (RFC 8259 §7:
// the quotation mark, the reverse solidus and the controls U+0000–U+001F; the same escapes Boost.JSON's
// serializer writes, so the two produce the same bytes). Bytes >= 0x80 are copied as they are: the
// strings written here come from parsed JSON or from Signet itself, so they are UTF-8 already.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace signet::core {

namespace detail {
inline bool json_plain(std::string_view s) noexcept {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}

// `pre` s `post` in one write: the common case (nothing to escape) costs one resize and copies.
inline void append_wrapped(std::string& out, char pre, std::string_view s, std::string_view post) {
  const auto n = out.size();
  out.resize(n + 1 + s.size() + post.size());
  char* p = out.data() + n;
  *p++ = pre;
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  if (!post.empty()) std::memcpy(p + s.size(), post.data(), post.size());
}
}  // namespace detail

/// Appends `s` to `out` as a JSON string (with its quotes).
inline void append_json_string(std::string& out, std::string_view s) {
  if (detail::json_plain(s)) return detail::append_wrapped(out, '"', s, "\"");
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default:
        out.append("u00", 3);
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

/// Objects and arrays written in order into a string the caller owns. Nothing checks that keys and
/// values alternate: each writer is a few lines that write one known shape, and tests parse it back.
class json_writer {
 public:
  explicit json_writer(std::string& out) : out_(out) {}

  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }

  /// A member's key; its value is the next thing written.
  json_writer& key(std::string_view k) {
    separate();
    if (detail::json_plain(k)) {
      detail::append_wrapped(out_, '"', k, "\":");
    } else {
      append_json_string(out_, k);
      out_.push_back(':');
    }
    after_key_ = true;
    return *this;
  }
  json_writer& string(std::string_view v) {
    separate();
    append_json_string(out_, v);
    return *this;
  }
  json_writer& number(std::int64_t v) {
    separate();
    out_.append(std::to_string(v));
    return *this;
  }
  json_writer& boolean(bool v) {
    separate();
    out_.append(v ? "true" : "false");
    return *this;
  }
  json_writer& null() {
    separate();
    out_.append("null");
    return *this;
  }
  /// A value that is JSON text already (another writer's document).
  json_writer& raw(std::string_view json) {
    separate();
    out_.append(json);
    return *this;
  }

  /// Shorthands for one member.
  json_writer& member(std::string_view k, std::string_view v) { return key(k).string(v); }
  json_writer& member(std::string_view k, const char* v) { return key(k).string(v); }
  json_writer& member(std::string_view k, const std::string& v) { return key(k).string(v); }
  json_writer& member(std::string_view k, std::int64_t v) { return key(k).number(v); }
  json_writer& member(std::string_view k, bool v) { return key(k).boolean(v); }

 private:
  json_writer& open(char c) {
    separate();
    out_.push_back(c);
    first_ = true;
    return *this;
  }
  json_writer& close(char c) {
    out_.push_back(c);
    first_ = false;
    return *this;
  }
  // A comma before every value but the first of its container, and none right after a key.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_.push_back(',');
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace signet::core
