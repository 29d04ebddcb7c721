#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "dump/bounded_queue.hpp"

namespace tdump::dump {
namespace {

TEST(BoundedQueue, ProducerBlocksWhenFullUntilAConsumerPops) {
  BoundedQueue<int> queue(2);
  ASSERT_TRUE(queue.push(1));
  ASSERT_TRUE(queue.push(2));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    queue.push(3);
    pushed = true;
  });
  // The producer cannot finish while the queue is full; this only checks the state it must be in.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(queue.size(), 2U);
  EXPECT_EQ(queue.pop(), 1);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(queue.pop(), 2);
  EXPECT_EQ(queue.pop(), 3);
}

TEST(BoundedQueue, ABlockedProducerResumesOnceTheQueueDrainsToItsLowWaterMark) {
  BoundedQueue<int> queue(8);  // low water: 8 - 8/4 = 6 items
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(queue.push(i));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    queue.push(8);
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(queue.try_pop(), 0);  // 7 left: above the low-water mark, no wake-up yet
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(queue.pop(), 1);  // 6 left: the producer is woken
  producer.join();
  EXPECT_TRUE(pushed.load());
  for (int i = 2; i <= 8; ++i) EXPECT_EQ(queue.pop(), i);
}

TEST(BoundedQueue, AByteBudgetBlocksBeforeTheCountDoes) {
  // Strings cost their length: 100 bytes of budget, room for 1000 items.
  BoundedQueue<std::string> queue(1000, 100, [](const std::string& s) { return s.size(); });
  ASSERT_TRUE(queue.push(std::string(60, 'a')));
  ASSERT_TRUE(queue.push(std::string(40, 'b')));
  EXPECT_EQ(queue.bytes(), 100U);
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    queue.push(std::string(10, 'c'));
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());  // 2 items, far under the count: the bytes hold it back
  EXPECT_EQ(queue.pop()->size(), 60U);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(queue.bytes(), 50U);
  EXPECT_EQ(queue.pop()->size(), 40U);
  EXPECT_EQ(queue.pop()->size(), 10U);
  EXPECT_EQ(queue.bytes(), 0U);
}

TEST(BoundedQueue, AnItemLargerThanTheWholeBudgetStillPassesAlone) {
  BoundedQueue<std::string> queue(1000, 100, [](const std::string& s) { return s.size(); });
  ASSERT_TRUE(queue.push(std::string(10, 'a')));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    queue.push(std::string(500, 'x'));  // five times the budget
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed.load());  // waits until the queue is empty...
  EXPECT_EQ(queue.pop()->size(), 10U);
  producer.join();  // ...then goes in alone
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(queue.bytes(), 500U);
  std::atomic<bool> small_pushed{false};
  std::thread next([&] {
    queue.push(std::string(1, 'y'));
    small_pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(small_pushed.load());  // nothing joins it while it is over the budget
  EXPECT_EQ(queue.pop()->size(), 500U);
  next.join();
  EXPECT_EQ(queue.pop()->size(), 1U);
}

TEST(BoundedQueue, CloseAndDrainResetsTheBytes) {
  BoundedQueue<std::string> queue(10, 100, [](const std::string& s) { return s.size(); });
  queue.push("abc");
  queue.push("de");
  EXPECT_EQ(queue.close_and_drain().size(), 2U);
  EXPECT_EQ(queue.bytes(), 0U);
  EXPECT_FALSE(queue.push("f"));
}

TEST(BoundedQueue, CloseWakesABlockedProducer) {
  BoundedQueue<int> queue(1);
  ASSERT_TRUE(queue.push(1));
  std::atomic<int> result{-1};
  std::thread producer([&] { result = queue.push(2) ? 1 : 0; });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  queue.close();
  producer.join();
  EXPECT_EQ(result.load(), 0);
  EXPECT_EQ(queue.pop(), 1);
  EXPECT_EQ(queue.pop(), std::nullopt);
}

TEST(BoundedQueue, CloseDrainsThenEnds) {
  BoundedQueue<int> queue(10);
  queue.push(7);
  queue.close();
  EXPECT_FALSE(queue.push(8));
  EXPECT_EQ(queue.pop(), 7);
  EXPECT_EQ(queue.pop(), std::nullopt);
}

TEST(BoundedQueue, ManyProducersManyConsumersLoseNothing) {
  BoundedQueue<int> queue(16);
  std::atomic<long> sum{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < 3; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < 10000; ++i) queue.push(p * 10000 + i);
    });
  }
  std::vector<std::thread> consumers;
  for (int c = 0; c < 3; ++c) {
    consumers.emplace_back([&] {
      while (auto v = queue.pop()) sum += *v;
    });
  }
  for (auto& t : threads) t.join();
  queue.close();
  for (auto& t : consumers) t.join();
  long expected = 0;
  for (int i = 0; i < 30000; ++i) expected += i;
  EXPECT_EQ(sum.load(), expected);
}

}  // namespace
}  // namespace tdump::dump
