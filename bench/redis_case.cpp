// The peer a user would reach for today: a token ring on a real redis-server.
// Client i BLPOPs its own key; holding the token, it pipelines RPUSH of its
// message to a log list and RPUSH of the token to the next client's key.
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "cases.hpp"
#include "procs.hpp"

namespace baton::bench {

using Clock = std::chrono::steady_clock;

namespace {

redisContext* connect_redis(std::uint16_t port) {
  for (int i = 0; i < 200; ++i) {
    redisContext* c = redisConnect("127.0.0.1", port);
    if (c && !c->err) return c;
    if (c) redisFree(c);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("cannot connect to redis-server");
}

}  // namespace

RunResult run_redis(const CaseSpec& spec) {
  const std::uint16_t port = free_port();
  Child srv = spawn({"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--protected-mode", "no"},
                    spec.cpu);
  pin_self(spec.cpu);
  const std::size_t m = spec.members;
  const std::size_t per_member = std::max<std::size_t>(1, spec.turns / m);
  std::vector<std::int64_t> grants(per_member * m + 2, 0);
  std::vector<redisContext*> conns;
  for (std::size_t i = 0; i < m; ++i) conns.push_back(connect_redis(port));
  std::atomic<int> failures{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < m; ++i) {
    threads.emplace_back([&, i] {
      redisContext* c = conns[i];
      const std::string mine = "tok:" + std::to_string(i), next = "tok:" + std::to_string((i + 1) % m);
      for (std::size_t t = 0; t < per_member; ++t) {
        auto* r = static_cast<redisReply*>(redisCommand(c, "BLPOP %s 0", mine.c_str()));
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
          ++failures;
          if (r) freeReplyObject(r);
          return;
        }
        const std::size_t turn = std::stoull(r->element[1]->str);
        freeReplyObject(r);
        if (turn < grants.size())
          grants[turn] = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
        const std::string msg = "m" + std::to_string(i) + ":" + std::to_string(turn);
        const std::string token = std::to_string(turn + 1);
        redisAppendCommand(c, "RPUSH log %s", msg.c_str());
        redisAppendCommand(c, "RPUSH %s %s", next.c_str(), token.c_str());
        for (int k = 0; k < 2; ++k) {
          void* reply = nullptr;
          if (redisGetReply(c, &reply) != REDIS_OK) ++failures;
          if (reply) freeReplyObject(reply);
        }
      }
    });
  }
  const auto before = proc_stats(srv.pid);
  const auto start = Clock::now();
  redisContext* control = connect_redis(port);  // clients' connections are busy in BLPOP
  freeReplyObject(redisCommand(control, "RPUSH tok:0 1"));
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const auto after = proc_stats(srv.pid);
  redisFree(control);
  for (auto* c : conns) redisFree(c);
  stop(srv);
  pin_self(-1);
  if (failures) throw std::runtime_error("redis ring failed");
  RunResult r;
  const double turns = static_cast<double>(per_member * m);
  r.turns_per_s = turns / secs;
  r.server_cpu_us_per_turn = (after.cpu_seconds - before.cpu_seconds) * 1e6 / turns;
  r.server_hwm_kb = after.hwm_kb;
  for (std::size_t t = 2; t < grants.size(); ++t)
    if (grants[t] && grants[t - 1]) r.handoffs_ns.push_back(grants[t] - grants[t - 1]);
  return r;
}

}  // namespace baton::bench
