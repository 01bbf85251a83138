// postgres_store's private state, shared by its translation units. Private to store/postgres.
#pragma once

#include <string>
#include <vector>

#include "signet/store/postgres/postgres_store.hpp"

#include "connection.hpp"

namespace signet::store::postgres {

struct postgres_store::impl {
  impl(std::vector<std::string> keywords, std::vector<std::string> values, std::size_t size)
      : connections(std::move(keywords), std::move(values), size) {}
  pool connections;
};

}  // namespace signet::store::postgres
