// postgres_store: challenges (single use) and authenticators (registration, sign-in write-back).
#include "signet/store/postgres/postgres_store.hpp"

#include "connection.hpp"
#include "rows.hpp"
#include "store_impl.hpp"

namespace signet::store::postgres {
namespace {
/// Deletes the challenge inside the caller's transaction (the row lock makes concurrent consumers
/// wait, then find it gone); false when it is no longer there.
bool consume_challenge_on(connection& c, std::string_view tenant_id, std::string_view challenge_id) {
  return c.run("DELETE FROM challenges WHERE id = $1 AND tenant_id = $2", params().add(challenge_id).add(tenant_id))
             .affected() > 0;
}
}  // namespace

// ---- challenges ----

void postgres_store::create_challenge(const challenge& ch) {
  auto c = impl_->connections.acquire();
  params p;
  p.add(ch.id).add(ch.tenant_id).add(ch.type).add(core::byte_view(ch.value)).add(ch.user_id).add(ch.action_code);
  p.add(ch.idempotency_key).add(ch.options_json).add(ch.created_at).add(ch.expires_at);
  c->run(
      "INSERT INTO challenges (id, tenant_id, type, value, user_id, action_code, idempotency_key, options_json, "
      "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      p);
}

std::optional<challenge> postgres_store::take_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                        time_point now) {
  auto c = impl_->connections.acquire();
  // One autocommitted DELETE … RETURNING: a concurrent taker (on any node) blocks on the row lock and
  // then finds the row gone, so exactly one caller receives it. Expired rows are deleted too.
  static const std::string sql =
      sql_of("DELETE FROM challenges WHERE id = $1 AND tenant_id = $2 RETURNING ", k_challenge_cols);
  auto r = c->run(sql, params().add(challenge_id).add(tenant_id));
  if (r.rows() == 0) return std::nullopt;
  challenge ch = read_challenge(r, 0);
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::optional<challenge> postgres_store::take_challenge_of_type(std::string_view tenant_id,
                                                                std::string_view challenge_id, std::string_view type,
                                                                time_point now) {
  auto c = impl_->connections.acquire();
  static const std::string sql =
      sql_of("DELETE FROM challenges WHERE id = $1 AND tenant_id = $2 AND type = $3 RETURNING ", k_challenge_cols);
  auto r = c->run(sql, params().add(challenge_id).add(tenant_id).add(type));
  if (r.rows() == 0) return std::nullopt;
  challenge ch = read_challenge(r, 0);
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::optional<challenge> postgres_store::take_challenge_by_value(std::string_view tenant_id, std::string_view type,
                                                                 core::byte_view value, time_point now) {
  auto c = impl_->connections.acquire();
  // The subquery picks one row; if a concurrent taker deletes it first, the DELETE re-checks the row
  // after the lock wait, finds it gone and returns nothing.
  static const std::string sql = sql_of(
      "DELETE FROM challenges WHERE id = (SELECT id FROM challenges WHERE tenant_id = $1 AND value = $2 AND "
      "type = $3 LIMIT 1) RETURNING ",
      k_challenge_cols);
  auto r = c->run(sql, params().add(tenant_id).add(value).add(type));
  if (r.rows() == 0) return std::nullopt;
  challenge ch = read_challenge(r, 0);
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::optional<challenge> postgres_store::take_challenge_if(std::string_view tenant_id, std::string_view challenge_id,
                                                           time_point now,
                                                           const std::function<bool(const challenge&)>& accept) {
  auto c = impl_->connections.acquire();
  transaction tx(*c);
  // The DELETE locks the row: a concurrent taker waits until this transaction ends, then finds the
  // row gone (taken) or back (refused: the rollback restores it).
  static const std::string sql =
      sql_of("DELETE FROM challenges WHERE id = $1 AND tenant_id = $2 RETURNING ", k_challenge_cols);
  auto r = c->run(sql, params().add(challenge_id).add(tenant_id));
  if (r.rows() == 0) return std::nullopt;
  challenge ch = read_challenge(r, 0);
  const bool expired = ch.expires_at <= now;
  if (!expired && !accept(ch)) return std::nullopt;  // refused: rolled back, nothing written
  tx.commit();
  if (expired) return std::nullopt;  // removed, never returned
  return ch;
}

std::optional<challenge> postgres_store::peek_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                        time_point now) {
  auto c = impl_->connections.acquire();
  static const std::string sql =
      sql_of("SELECT ", k_challenge_cols, " FROM challenges WHERE id = $1 AND tenant_id = $2");
  auto r = c->run(sql, params().add(challenge_id).add(tenant_id));
  if (r.rows() == 0) return std::nullopt;
  challenge ch = read_challenge(r, 0);
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::size_t postgres_store::reap_expired_challenges(time_point now) {
  auto c = impl_->connections.acquire();
  return c->run("DELETE FROM challenges WHERE expires_at <= $1", params().add(now)).affected();
}

// ---- authenticators ----

std::vector<authenticator> postgres_store::list_authenticators(std::string_view tenant_id,
                                                               std::string_view user_id) {
  auto c = impl_->connections.acquire();
  static const std::string sql = sql_of("SELECT ", k_auth_cols,
                                        " FROM authenticators WHERE tenant_id = $1 AND user_id = $2 "
                                        "ORDER BY created_at, id");
  auto r = c->run(sql, params().add(tenant_id).add(user_id));
  std::vector<authenticator> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_authenticator(r, i));
  return out;
}

std::vector<credential_ref> postgres_store::list_credentials(std::string_view tenant_id, std::string_view user_id) {
  auto c = impl_->connections.acquire();
  auto r = c->run(
      "SELECT verification_method, credential_id, transports, payment_capable, instrument_display_name FROM "
      "authenticators WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, id",
      params().add(tenant_id).add(user_id));
  std::vector<credential_ref> out;
  for (int i = 0; i < r.rows(); ++i) {
    credential_ref ref;
    ref.verification_method = r.text(i, 0);
    ref.credential_id = core::credential_id(r.blob(i, 1));
    ref.transports = split_lines(r.text(i, 2));
    ref.payment_capable = r.boolean(i, 3);
    ref.instrument_display_name = r.opt_text(i, 4);
    out.push_back(std::move(ref));
  }
  return out;
}

bool postgres_store::has_authenticator(std::string_view tenant_id, std::string_view user_id) {
  auto c = impl_->connections.acquire();
  return c->run("SELECT 1 FROM authenticators WHERE tenant_id = $1 AND user_id = $2 LIMIT 1",
                params().add(tenant_id).add(user_id))
             .rows() > 0;
}

std::optional<authenticator> postgres_store::find_authenticator(std::string_view tenant_id, std::string_view user_id,
                                                                std::string_view authenticator_id) {
  auto c = impl_->connections.acquire();
  static const std::string sql =
      sql_of("SELECT ", k_auth_cols, " FROM authenticators WHERE tenant_id = $1 AND user_id = $2 AND id = $3");
  auto r = c->run(sql, params().add(tenant_id).add(user_id).add(authenticator_id));
  if (r.rows() == 0) return std::nullopt;
  return read_authenticator(r, 0);
}

std::optional<authenticator> postgres_store::find_authenticator_by_credential(std::string_view tenant_id,
                                                                              const core::credential_id& id) {
  auto c = impl_->connections.acquire();
  static const std::string sql =
      sql_of("SELECT ", k_auth_cols, " FROM authenticators WHERE tenant_id = $1 AND credential_id = $2");
  auto r = c->run(sql, params().add(tenant_id).add(id.view()));
  if (r.rows() == 0) return std::nullopt;
  return read_authenticator(r, 0);
}

bool postgres_store::register_authenticator(const authenticator& a, const action_ref& action,
                                            const action_completion& completion, bool* first,
                                            const std::optional<std::string>& consume_challenge_id) {
  auto c = impl_->connections.acquire();
  transaction tx(*c);
  if (consume_challenge_id && !consume_challenge_on(*c, a.tenant_id, *consume_challenge_id)) return false;
  if (first)
    *first = c->run("SELECT 1 FROM authenticators WHERE tenant_id = $1 AND user_id = $2 LIMIT 1",
                    params().add(a.tenant_id).add(a.user_id))
                 .rows() == 0;
  {
    // ON CONFLICT on the (tenant_id, credential_id) index: a concurrent registration of the same
    // credential waits for the first transaction and then inserts nothing.
    static const std::string sql =
        sql_of("INSERT INTO authenticators (", k_auth_cols,
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
               "$20, $21, $22, $23) ON CONFLICT (tenant_id, credential_id) DO NOTHING");
    params p;
    p.add(a.id).add(a.tenant_id).add(a.user_id).add(a.verification_method).add(a.credential_id.view());
    p.add(core::byte_view(a.public_key_cose)).add(std::int64_t{a.alg}).add(std::int64_t{a.sign_count});
    p.add(join_lines(a.transports)).add(a.aaguid).add(a.backup_eligible).add(a.backup_state).add(a.user_verified);
    p.add(a.authenticator_attachment).add(a.device_id).add(a.user_agent).add(a.username).add(a.display_name);
    p.add(a.payment_capable).add(a.instrument_display_name).add(a.created_at).add(a.verified_at);
    p.add(a.last_verified_at);
    if (c->run(sql, p).affected() == 0) return false;
  }
  c->run(
      "UPDATE users SET username = COALESCE(username, $3), display_name = COALESCE(display_name, $4), "
      "updated_at = $5 WHERE tenant_id = $1 AND user_id = $2 AND ((username IS NULL AND $3::text IS NOT NULL) OR "
      "(display_name IS NULL AND $4::text IS NOT NULL))",  // untouched when there is nothing to fill
      params().add(a.tenant_id).add(a.user_id).add(a.username).add(a.display_name).add(a.created_at));
  if (!complete_action_on(*c, a.tenant_id, action, completion)) return false;
  tx.commit();
  return true;
}

bool postgres_store::record_sign_in(std::string_view tenant_id, const sign_in_update& u, const action_ref& action,
                                    const action_completion& completion) {
  auto c = impl_->connections.acquire();
  transaction tx(*c);
  // The challenge first: of concurrent attempts on it, one deletes the row, the others wait on its
  // lock and then find it gone.
  if (u.consume_challenge_id && !consume_challenge_on(*c, tenant_id, *u.consume_challenge_id)) return false;
  // Compare-and-set: a concurrent writer holding the row makes this UPDATE wait, then re-evaluate
  // `sign_count = $3` against the committed row, so of racing callers with one expected value one wins.
  params p;
  p.add(tenant_id).add(u.authenticator_id).add(std::int64_t{u.expected_sign_count});
  p.add(std::int64_t{u.new_sign_count}).add(u.backup_state).add(u.user_verified).add(completion.now);
  p.add(completion.user_id);
  if (c->run("UPDATE authenticators SET sign_count = $4, backup_state = $5, user_verified = $6, "
             "last_verified_at = $7 WHERE tenant_id = $1 AND user_id = $8 AND id = $2 AND sign_count = $3",
             p)
          .affected() == 0)
    return false;
  if (action.create && !insert_action_on(*c, *action.create)) return false;
  if (!complete_action_on(*c, tenant_id, action, completion)) return false;
  tx.commit();
  return true;
}

bool postgres_store::delete_authenticator(std::string_view tenant_id, std::string_view user_id,
                                          std::string_view authenticator_id) {
  auto c = impl_->connections.acquire();
  return c->run("DELETE FROM authenticators WHERE tenant_id = $1 AND user_id = $2 AND id = $3",
                params().add(tenant_id).add(user_id).add(authenticator_id))
             .affected() > 0;
}

}  // namespace signet::store::postgres
