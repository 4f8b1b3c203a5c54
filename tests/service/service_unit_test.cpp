// The service's parts one by one: the wire parsers refuse what does not
// frame, the handshake proof binds challenge and server key, key files and
// allowlists name the bad line, and the coalescer merges, serves clients
// fairly by signatures, refuses at once when full and answers every job
// exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <future>
#include <mutex>

#include "host/service/coalescer.hpp"
#include "host/service/keys.hpp"
#include "tests/service/service_test_util.hpp"

namespace {

using namespace vigil;
using crypto::Rules;

vigil_svc_request_hdr header(uint8_t type, uint32_t count, uint32_t body) {
  vigil_svc_request_hdr h{};
  h.version = VIGIL_WIRE_VERSION;
  h.type = type;
  h.scheme = VIGIL_SCHEME_ED25519;
  h.rules = VIGIL_RULES_ZIP215;
  h.count = count;
  h.body_len = body;
  return h;
}

TEST(ServiceWire, HeaderChecksCloseWhatCannotBeResyncedAndAnswerTheRest) {
  service::Limits l;
  l.max_batch = 100;
  l.max_body = 1 << 20;
  EXPECT_EQ(service::check_request_header(header(1, 3, 300), l).status, VIGIL_OK);
  auto h = header(1, 3, 300);
  h.version = VIGIL_WIRE_VERSION + 1;  // a version this build does not speak
  EXPECT_EQ(service::check_request_header(h, l).status, VIGIL_ERR_UNKNOWN_VERSION);
  EXPECT_TRUE(service::check_request_header(h, l).close);
  EXPECT_TRUE(service::check_request_header(header(9, 0, 0), l).close);         // type
  EXPECT_TRUE(service::check_request_header(header(1, 3, 2u << 20), l).close);  // body
  EXPECT_TRUE(service::check_request_header(header(1, 4, 300), l).close);       // 4 items > body
  EXPECT_TRUE(service::check_request_header(header(1, 0, 0), l).close);         // empty
  EXPECT_TRUE(service::check_request_header(header(3, 1, 0), l).close);         // PING count
  const auto big = service::check_request_header(header(1, 101, 101 * 100), l);
  EXPECT_EQ(big.status, VIGIL_ERR_TOO_LARGE);
  EXPECT_FALSE(big.close);
  h = header(1, 1, 100);
  h.scheme = 7;
  EXPECT_EQ(service::check_request_header(h, l).status, VIGIL_ERR_BAD_SCHEME);
  h = header(1, 1, 100);
  h.rules = 0;
  EXPECT_EQ(service::check_request_header(h, l).status, VIGIL_ERR_BAD_RULES);
}

TEST(ServiceWire, BodyMustTileExactlyAndMessagesStayWithinTheLimit) {
  const auto cases = test::CaseGenerator(1).make(5);
  const auto items = test::as_items(cases);
  std::vector<uint8_t> req;
  service::encode_verify_request(req, 9, Rules::strict, items, 0);
  std::span<const uint8_t> body(req.data() + sizeof(vigil_svc_request_hdr),
                                req.size() - sizeof(vigil_svc_request_hdr));
  service::Limits l;
  std::vector<crypto::VerifyItem> out;
  ASSERT_EQ(service::parse_verify_body(5, body, l, out), VIGIL_OK);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(std::memcmp(out[i].public_key, cases[i].pk.data(), 32), 0);
    EXPECT_EQ(std::memcmp(out[i].signature, cases[i].sig.data(), 64), 0);
    EXPECT_TRUE(std::equal(out[i].message.begin(), out[i].message.end(), cases[i].msg.begin(),
                           cases[i].msg.end()));
  }
  EXPECT_EQ(service::parse_verify_body(4, body, l, out), VIGIL_ERR_MALFORMED);  // trailing bytes
  EXPECT_EQ(service::parse_verify_body(6, body, l, out), VIGIL_ERR_MALFORMED);  // too few
  EXPECT_EQ(service::parse_verify_body(5, body.first(body.size() - 1), l, out),
            VIGIL_ERR_MALFORMED);
  l.max_msg_len = 10;
  EXPECT_EQ(service::parse_verify_body(5, body, l, out), VIGIL_ERR_TOO_LARGE);
}

TEST(ServiceWire, ResponsesWhoseBitsAndErrorsDisagreeAreRefused) {
  const uint32_t verdict[1] = {0b101};
  const uint8_t errors[3] = {VIGIL_OK, VIGIL_ERR_SIG_INVALID, VIGIL_OK};
  std::vector<uint8_t> resp;
  service::encode_verify_response(resp, 5, 3, verdict, errors);
  vigil_svc_response_hdr h;
  std::memcpy(&h, resp.data(), sizeof h);
  std::span<const uint8_t> body(resp.data() + sizeof h, resp.size() - sizeof h);
  std::vector<uint32_t> v;
  std::vector<uint8_t> e;
  ASSERT_TRUE(service::response_header_ok(h));
  EXPECT_EQ(service::parse_verify_response(h, 3, body, v, e), VIGIL_OK);
  EXPECT_EQ(v[0], 0b101u);
  EXPECT_EQ(service::parse_verify_response(h, 4, body, v, e), VIGIL_ERR_MALFORMED);  // count
  std::vector<uint8_t> forged(body.begin(), body.end());
  forged[0] |= 0b010;  // valid bit on an item whose error says invalid
  EXPECT_EQ(service::parse_verify_response(h, 3, forged, v, e), VIGIL_ERR_MALFORMED);
  forged.assign(body.begin(), body.end());
  forged[0] |= 0b1000;  // a bit past the count
  EXPECT_EQ(service::parse_verify_response(h, 3, forged, v, e), VIGIL_ERR_MALFORMED);
}

TEST(ServiceWire, AuthProofBindsTheChallengeAndTheServerKey) {
  const auto client = test::key_of(1), server = test::key_of(2), other = test::key_of(3);
  std::array<uint8_t, 32> ch{};
  ch[0] = 7;
  const auto hello = service::make_hello(server.public_key, ch);
  const auto auth = service::make_auth(client, hello);
  EXPECT_TRUE(service::auth_proof_ok(auth, hello));
  auto ch2 = ch;
  ch2[31] = 1;
  EXPECT_FALSE(
      service::auth_proof_ok(auth, service::make_hello(server.public_key, ch2)));         // replay
  EXPECT_FALSE(service::auth_proof_ok(auth, service::make_hello(other.public_key, ch)));  // relay
  auto forged = auth;
  std::memcpy(forged.client_key, other.public_key.data(), 32);  // someone else's key
  EXPECT_FALSE(service::auth_proof_ok(forged, hello));
  vigil_svc_auth parsed;
  std::vector<uint8_t> bytes(sizeof auth);
  std::memcpy(bytes.data(), &auth, sizeof auth);
  EXPECT_TRUE(service::parse_auth(bytes, parsed));
  bytes[0] = 'X';
  EXPECT_FALSE(service::parse_auth(bytes, parsed));
  EXPECT_FALSE(service::parse_auth(std::span(bytes).first(100), parsed));
}

TEST(ServiceKeys, KeyLinesAndAllowlistsNameTheBadLine) {
  const auto k = test::key_of(4);
  crypto::Keypair got;
  EXPECT_EQ(service::parse_key_line(test::key_line(k), got), "");
  EXPECT_EQ(got.public_key, k.public_key);
  auto wrong_pk = test::key_line(k);
  wrong_pk[wrong_pk.size() - 4] ^= 1;
  EXPECT_NE(service::parse_key_line(wrong_pk, got), "");
  EXPECT_NE(service::parse_key_line("{\"seed\":\"00\"}", got), "");

  const std::string hex = crypto::to_hex(k.public_key.data(), 32);
  const std::string hex2 = crypto::to_hex(test::key_of(5).public_key.data(), 32);
  service::Allowlist a;
  EXPECT_EQ(service::parse_allowlist("# c\n\n" + hex + " 1000 4\n" + hex2 + "\n", "allow", a), "");
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a[k.public_key], (service::Quota{1000, 4}));
  EXPECT_EQ(service::parse_allowlist(hex + "\nnot-a-key\n", "allow", a),
            "allow line 2: a client key is 64 hex digits");
  EXPECT_EQ(service::parse_allowlist(hex + " fast\n", "allow", a),
            "allow line 1: signatures per second must be a number");
  EXPECT_EQ(service::parse_allowlist(hex + "\n" + hex + "\n", "allow", a),
            "allow line 2: key listed twice");
  EXPECT_EQ(service::parse_allowlist(hex + " 1 2 3\n", "allow", a),
            "allow line 1: expected KEY [SIGS_PER_SEC [IN_FLIGHT]]");
}

// The cpu engine, recording the flags of every batch it is handed.
struct FlagRecorder final : accel::Accelerator {
  std::unique_ptr<accel::Accelerator> inner;
  mutable std::mutex mu;
  std::vector<std::pair<uint32_t, uint16_t>> seen;  // count, flags
  const accel::Capabilities& capabilities() const override { return inner->capabilities(); }
  std::future<void> submit(accel::BatchView b, accel::Completion& out) override {
    {
      std::lock_guard lk(mu);
      seen.emplace_back(b.count(), b.desc().flags);
    }
    return inner->submit(b, out);
  }
  accel::Stats stats() const override { return inner->stats(); }
  void inject_fault(accel::InjectedFault f) override { inner->inject_fault(f); }
};

// A coalescer over a one-worker cpu engine, jobs built from cases.
struct CoalescerRig {
  std::unique_ptr<FlagRecorder> engine = std::make_unique<FlagRecorder>();
  std::vector<test::SigCase> cases = test::CaseGenerator(77).make(600);

  CoalescerRig() {
    accel::Options ao;
    ao.workers = 1;
    std::string why;
    engine->inner = accel::make_accelerator("cpu", ao, &why);
  }
  std::unique_ptr<service::Job> job(uint32_t client, size_t first, size_t n,
                                    std::function<void(service::Verdicts&&)> done,
                                    Rules rules = Rules::zip215) {
    auto j = std::make_unique<service::Job>();
    std::vector<crypto::VerifyItem> items;
    for (size_t i = first; i < first + n; ++i)
      items.push_back({cases[i].pk.data(), cases[i].sig.data(), cases[i].msg});
    service::encode_verify_request(j->body, 0, rules, items, 0);
    j->body.erase(j->body.begin(), j->body.begin() + sizeof(vigil_svc_request_hdr));
    service::parse_verify_body(uint32_t(n), j->body, {}, j->items);
    j->client = client;
    j->rules = rules;
    j->received = service::Clock::now();
    j->done = std::move(done);
    return j;
  }
  test::Expected want(size_t first, size_t n, Rules rules) const {
    std::vector<crypto::VerifyItem> items;
    for (size_t i = first; i < first + n; ++i)
      items.push_back({cases[i].pk.data(), cases[i].sig.data(), cases[i].msg});
    return test::in_process(items, rules);
  }
};

TEST(ServiceCoalescer, MergesSmallRequestsAndSplitsVerdictsBackExactly) {
  CoalescerRig rig;
  service::CoalescerOptions o;
  o.preferred_batch = 256;
  o.max_delay = std::chrono::milliseconds(50);
  service::Coalescer co(*rig.engine, o, nullptr);
  std::vector<std::promise<service::Verdicts>> got(32);
  for (uint32_t r = 0; r < 32; ++r) {
    auto j =
        rig.job(r, r * 16, 16, [&, r](service::Verdicts&& v) { got[r].set_value(std::move(v)); });
    ASSERT_EQ(co.submit(j), VIGIL_OK);
  }
  for (uint32_t r = 0; r < 32; ++r) {
    auto v = got[r].get_future().get();
    ASSERT_EQ(v.status, VIGIL_OK);
    const auto want = rig.want(r * 16, 16, Rules::zip215);
    EXPECT_EQ(v.verdict, want.verdict) << "request " << r;
    EXPECT_EQ(v.errors, want.errors) << "request " << r;
  }
  const auto st = co.stats();
  EXPECT_EQ(st.accepted, 32u);
  EXPECT_LE(st.batches, 4u);  // 512 signatures in batches of about 256, not 32 batches
  // Coalesced throughput batches are bulk: the engine's express slot,
  // kept for votes, never runs them, however small they are.
  std::lock_guard lk(rig.engine->mu);
  ASSERT_EQ(rig.engine->seen.size(), st.batches);
  for (const auto& [count, flags] : rig.engine->seen)
    EXPECT_TRUE(flags & VIGIL_BATCH_FLAG_BULK) << "a batch of " << count << " was not bulk";
}

TEST(ServiceCoalescer, FullQueueRefusesAtOnceAndEveryAcceptedJobIsAnsweredOnce) {
  CoalescerRig rig;
  service::CoalescerOptions o;
  o.queue_signatures = 300;
  o.max_delay = std::chrono::milliseconds(200);
  o.preferred_batch = 10000;  // nothing flushes early
  std::atomic<int> answers{0};
  size_t accepted = 0, refused = 0;
  {
    service::Coalescer co(*rig.engine, o, nullptr);
    for (int i = 0; i < 10; ++i) {
      auto j = rig.job(uint32_t(i), size_t(i) * 50, 50, [&](service::Verdicts&&) { ++answers; });
      const auto s = co.submit(j);
      if (s == VIGIL_OK) {
        ++accepted;
      } else {
        EXPECT_EQ(s, VIGIL_ERR_OVERLOADED);
        EXPECT_TRUE(j);  // left to the caller to answer
        ++refused;
      }
    }
    EXPECT_EQ(co.stats().queued_signatures, accepted * 50);
  }  // the destructor answers what is queued
  EXPECT_EQ(accepted, 6u);
  EXPECT_EQ(refused, 4u);
  EXPECT_EQ(answers.load(), 6);
}

// Client 1 has queued 500 signatures in requests of 100 before client 2's
// single request of 10 arrives; by signatures, client 2 is served in the
// first batch after its arrival, not after all of client 1's.
TEST(ServiceCoalescer, DeficitRoundRobinServesASmallClientBeforeABigBacklog) {
  CoalescerRig rig;
  service::CoalescerOptions o;
  o.preferred_batch = 100;
  o.quantum = 100;
  o.express_items = 0;
  o.flights = 2;  // one bulk batch at a time
  o.max_delay = std::chrono::microseconds(0);
  std::mutex mu;
  std::vector<uint32_t> order;
  auto note = [&](uint32_t who) {
    return [&, who](service::Verdicts&&) {
      std::lock_guard lk(mu);
      order.push_back(who);
    };
  };
  {
    service::Coalescer co(*rig.engine, o, nullptr);
    // Occupy the engine so the backlog builds up behind it.
    auto first = rig.job(9, 0, 100, note(9));
    ASSERT_EQ(co.submit(first), VIGIL_OK);
    for (int i = 0; i < 5; ++i) {
      auto j = rig.job(1, 100 + size_t(i) * 100, 100, note(1));
      ASSERT_EQ(co.submit(j), VIGIL_OK);
    }
    auto small = rig.job(2, 0, 10, note(2));
    ASSERT_EQ(co.submit(small), VIGIL_OK);
  }
  ASSERT_EQ(order.size(), 7u);
  const auto pos = std::find(order.begin(), order.end(), 2u) - order.begin();
  EXPECT_LE(pos, 3) << "client 2 waited behind client 1's backlog";
}

TEST(ServiceCoalescer, RequestsOfTheOtherRuleSetAreNeverMixedIntoABatch) {
  CoalescerRig rig;
  service::CoalescerOptions o;
  o.max_delay = std::chrono::milliseconds(20);
  std::vector<std::promise<service::Verdicts>> got(2);
  {
    service::Coalescer co(*rig.engine, o, nullptr);
    auto a = rig.job(
        1, 0, 50, [&](service::Verdicts&& v) { got[0].set_value(std::move(v)); }, Rules::strict);
    auto b = rig.job(
        2, 0, 50, [&](service::Verdicts&& v) { got[1].set_value(std::move(v)); }, Rules::zip215);
    ASSERT_EQ(co.submit(a), VIGIL_OK);
    ASSERT_EQ(co.submit(b), VIGIL_OK);
  }
  EXPECT_EQ(got[0].get_future().get().errors, rig.want(0, 50, Rules::strict).errors);
  EXPECT_EQ(got[1].get_future().get().errors, rig.want(0, 50, Rules::zip215).errors);
}

}  // namespace
