#include <gtest/gtest.h>

#include <atomic>
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
