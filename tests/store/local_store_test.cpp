// The local store on a real folder: walk order against `find | LC_ALL=C sort`, metadata
// against stat(1), ranges against the bytes written, EOF, missing and unreadable files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include "process.hpp"
#include "store/key_file.hpp"
#include "store/local/local_store.hpp"
#include "store/object_store.hpp"
#include "temp_dir.hpp"

namespace tdump::store {
namespace {

std::vector<std::string> list_all(ObjectStore& store, const std::string& prefix, std::size_t page_size,
                                  std::vector<ObjectMeta>* metas = nullptr) {
  std::vector<std::string> keys;
  auto stream = store.list(prefix, page_size);
  for (;;) {
    auto page = stream->next();
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (!page.ok() || !page->has_value()) break;
    EXPECT_LE((*page)->objects.size(), page_size);
    for (auto& o : (*page)->objects) {
      keys.push_back(o.key);
      if (metas != nullptr) metas->push_back(o);
    }
  }
  return keys;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "root";
    for (const char* name :
         {"a.txt", "a/x.tif", "a/b/deep.tif", "a-b", "B.tif", "z/empty/.keep", "sp ace/é+%.tif", "a/b/c/d/e/f.tif"}) {
      testing::write_file(root_ / name, std::string("content of ") + name);
    }
    std::filesystem::create_directories(root_ / "emptydir");
    std::filesystem::create_symlink(root_ / "a", root_ / "a/b/loop");            // a directory loop
    std::filesystem::create_symlink(root_ / "nowhere", root_ / "dangling.tif");  // skipped
    auto opened = open_store((root_).string(), StoreOptions{}, nullptr);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }

  testing::TempDir dir_{"localstore"};
  std::filesystem::path root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(LocalStoreTest, WalkIsInByteOrderAndMatchesFind) {
  auto find =
      testing::run_command({"sh", "-c", "cd '" + root_.string() + "' && find . -type f | cut -c3- | LC_ALL=C sort"});
  ASSERT_EQ(find.exit_code, 0) << find.err;
  auto expected = lines(find.out);
  EXPECT_EQ(list_all(*store_, "", 3), expected);
  EXPECT_EQ(list_all(*store_, "", 1000).size(), 8U);
}

TEST_F(LocalStoreTest, PrefixesSelectKeysNotJustDirectories) {
  EXPECT_EQ(list_all(*store_, "a/b", 10), (std::vector<std::string>{"a/b/c/d/e/f.tif", "a/b/deep.tif"}));
  EXPECT_EQ(list_all(*store_, "a", 10),
            (std::vector<std::string>{"a-b", "a.txt", "a/b/c/d/e/f.tif", "a/b/deep.tif", "a/x.tif"}));
  EXPECT_TRUE(list_all(*store_, "nothing/", 10).empty());
  EXPECT_TRUE(list_all(*store_, "emptydir/", 10).empty());
  auto outside = store_->list("../", 10)->next();
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LocalStoreTest, MetadataMatchesStat) {
  std::vector<ObjectMeta> metas;
  list_all(*store_, "sp ace/", 10, &metas);
  ASSERT_EQ(metas.size(), 1U);
  auto path = (root_ / "sp ace/é+%.tif").string();
  auto st = testing::run_command({"stat", "-c", "%s %Y %i", path});
  ASSERT_EQ(st.exit_code, 0);
  std::istringstream fields(st.out);
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  std::uint64_t inode = 0;
  fields >> size >> mtime >> inode;
  EXPECT_EQ(metas[0].size, size);
  EXPECT_EQ(*metas[0].last_modified_us / 1'000'000, mtime);
  EXPECT_EQ(metas[0].etag.substr(0, metas[0].etag.find('-')), [&] {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(inode));
    return std::string(buf);
  }());
  EXPECT_EQ(store_->url_for(metas[0].key), "file://" + root_.string() + "/sp%20ace/%C3%A9%2B%25.tif");
  EXPECT_EQ(store_->key_for_url(store_->url_for(metas[0].key)), metas[0].key);
}

TEST_F(LocalStoreTest, RangesEofAndErrors) {
  std::string content = "content of a/x.tif";
  auto head = store_->read_range_blocking("a/x.tif", {0, 7});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->bytes, "content");
  EXPECT_EQ(head->object_size, content.size());
  auto tail = store_->read_range_blocking("a/x.tif", {11, 100});  // partial final range
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->bytes, "a/x.tif");
  EXPECT_EQ(tail->offset, 11U);
  auto past = store_->read_range_blocking("a/x.tif", {content.size(), 16});
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->bytes.empty());
  EXPECT_EQ(past->object_size, content.size());

  auto missing = store_->read_range_blocking("no/such.tif", {0, 16});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto directory = store_->read_range_blocking("a", {0, 16});
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().code, ErrorCode::kIo);
  auto escape = store_->read_range_blocking("../outside", {0, 16});
  ASSERT_FALSE(escape.ok());
  EXPECT_EQ(escape.error().code, ErrorCode::kInvalidArgument);

  // An unreadable file: mode 000. Root reads through it, so as root the read runs in a child
  // process that has dropped to nobody (no threads are alive here, so fork is safe).
  auto secret = root_ / "B.tif";
  chmod(secret.c_str(), 0);
  for (auto p = secret.parent_path(); p != dir_.path().parent_path(); p = p.parent_path()) chmod(p.c_str(), 0755);
  if (geteuid() != 0) {
    auto denied = store_->read_range_blocking("B.tif", {0, 4});
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  } else {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(90);
      auto denied = read_local_range(secret.string(), {0, 4});
      if (denied.ok()) _exit(91);
      _exit(denied.error().code == ErrorCode::kPermissionDenied ? 0 : 92);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
}

TEST_F(LocalStoreTest, CallbacksRunOnTheIoThreadNotInline) {
  std::promise<std::thread::id> ran_on;
  store_->read_range("a.txt", {0, 4}, [&](const Result<RangeRead>& r) {
    EXPECT_TRUE(r.ok());
    ran_on.set_value(std::this_thread::get_id());
  });
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
}

TEST_F(LocalStoreTest, FileUrlsAndPlainPathsOpenTheSameStore) {
  auto by_url = open_store("file://" + root_.string() + "/", StoreOptions{}, nullptr);
  ASSERT_TRUE(by_url.ok());
  EXPECT_EQ((*by_url)->url_for("k"), store_->url_for("k"));
  EXPECT_EQ((*by_url)->scheme(), "file");
  auto not_dir = open_store((root_ / "a.txt").string(), StoreOptions{}, nullptr);
  ASSERT_FALSE(not_dir.ok());
}

TEST_F(LocalStoreTest, KeyFilesTakeKeysAndUrlsOfThisStore) {
  testing::write_file(dir_ / "keys.txt", "# inventory\n\na/x.tif\r\n  B.tif  \n" + store_->url_for("sp ace/é+%.tif") +
                                             "\nlast-without-newline");
  auto stream = keys_from_file((dir_ / "keys.txt").string(), *store_, 2);
  ASSERT_TRUE(stream.ok());
  std::vector<std::string> keys;
  for (;;) {
    auto page = (*stream)->next();
    ASSERT_TRUE(page.ok()) << page.error().message;
    if (!page->has_value()) break;
    EXPECT_LE((*page)->objects.size(), 2U);
    for (auto& o : (*page)->objects) {
      keys.push_back(o.key);
      EXPECT_FALSE(o.size.has_value());
    }
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"a/x.tif", "B.tif", "sp ace/é+%.tif", "last-without-newline"}));

  testing::write_file(dir_ / "bad.txt", "a.txt\ns3://other-bucket/a.txt\n");
  auto bad = keys_from_file((dir_ / "bad.txt").string(), *store_);
  ASSERT_TRUE(bad.ok());
  auto first = (*bad)->next();
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message.find("line 2"), std::string::npos);
  EXPECT_NE(first.error().message.find("s3://other-bucket/a.txt"), std::string::npos);

  auto missing = keys_from_file((dir_ / "nope.txt").string(), *store_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// FIFOs, sockets and devices: listed (without a size) so a TIFF-named one gets its error row, and
// refused at once when read, never waited on (a FIFO with no writer used to block the read, and
// the run, forever).
TEST(LocalStoreSpecialFiles, AreListedAndRefusedAtOnceWhenRead) {
  testing::TempDir dir("localspecial");
  const auto root = dir.path() / "root";
  testing::write_file(root / "a.tif", "regular");
  ASSERT_EQ(::mkfifo((root / "p.tif").c_str(), 0600), 0);
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, (root / "s.tif").c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
  }
  auto opened = open_store(root.string(), StoreOptions{}, nullptr);
  ASSERT_TRUE(opened.ok());
  auto& store = **opened;
  std::vector<ObjectMeta> metas;
  EXPECT_EQ(list_all(store, "", 10, &metas), (std::vector<std::string>{"a.tif", "p.tif", "s.tif"}));
  EXPECT_TRUE(metas[0].size.has_value());
  EXPECT_FALSE(metas[1].size.has_value());
  EXPECT_FALSE(metas[2].size.has_value());
  for (const auto& [key, kind] : {std::pair{"p.tif", "FIFO"}, std::pair{"s.tif", "socket"}}) {
    auto read = std::async(std::launch::async, [&store, key = key] { return store.read_range_blocking(key, {0, 16}); });
    ASSERT_EQ(read.wait_for(std::chrono::seconds(30)), std::future_status::ready) << key << ": the read waits";
    auto result = read.get();
    ASSERT_FALSE(result.ok()) << key;
    EXPECT_EQ(result.error().code, ErrorCode::kUnsupported) << result.error().message;
    EXPECT_NE(result.error().message.find(kind), std::string::npos) << result.error().message;
    EXPECT_NE(result.error().message.find("not a regular file"), std::string::npos) << result.error().message;
  }
  // /dev/zero would read forever as a "file": refused too.
  auto device = read_local_range("/dev/zero", {0, 16});
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.error().message.find("character device"), std::string::npos);
}

// A key file may be a FIFO fed by another process: opening it does not wait for the writer,
// its lines are read as they come, and a cancel descriptor ends a wait for more.
TEST(KeyFileFifo, OpensAtOnceReadsWhatComesAndIsCancelledWhileWaiting) {
  testing::TempDir dir("keyfifo");
  testing::write_file(dir.path() / "root/a.tif", "x");
  auto opened = open_store((dir.path() / "root").string(), StoreOptions{}, nullptr);
  ASSERT_TRUE(opened.ok());
  const auto fifo = dir.path() / "keys.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int cancel = ::eventfd(0, EFD_CLOEXEC);
  ASSERT_GE(cancel, 0);
  // No writer yet: the open must not wait for one (fopen() did, forever).
  auto opening = std::async(std::launch::async, [&] { return keys_from_file(fifo.string(), **opened, 10, cancel); });
  ASSERT_EQ(opening.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "opening waits for a writer";
  auto stream = opening.get();
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  // A writer comes, writes two lines and leaves: both keys, then the end.
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(writer, 0);
  const std::string lines = "a.tif\nb/c.tif\n";
  ASSERT_EQ(::write(writer, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  ::close(writer);
  std::vector<std::string> keys;
  for (;;) {
    auto page = (*stream)->next();
    ASSERT_TRUE(page.ok()) << page.error().message;
    if (!page->has_value()) break;
    for (auto& o : (*page)->objects) keys.push_back(o.key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"a.tif", "b/c.tif"}));

  // A writer that stays and says nothing: next() waits until the cancel descriptor fires.
  auto second = keys_from_file(fifo.string(), **opened, 10, cancel);
  ASSERT_TRUE(second.ok());
  const int silent = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(silent, 0);
  auto waiting = std::async(std::launch::async, [&] { return (*second)->next(); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  const std::uint64_t one = 1;
  ASSERT_EQ(::write(cancel, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "the cancel did not end the wait";
  auto result = waiting.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kCancelled);
  ::close(silent);
  ::close(cancel);
}

}  // namespace
}  // namespace tdump::store
