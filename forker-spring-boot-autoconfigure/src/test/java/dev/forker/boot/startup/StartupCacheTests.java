package dev.forker.boot.startup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StartupCache}.
 */
class StartupCacheTests {

	@Test
	void createsTheCacheDirectoryPrivate(@TempDir Path directory) throws IOException {
		Path cache = directory.resolve("cache").resolve("forker");
		assertThat(StartupCache.privateDirectory(cache)).isTrue();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
		assertThat(StartupCache.privateDirectory(cache)).isTrue();
	}

	@Test
	void refusesADirectoryOthersCanEnter(@TempDir Path directory) throws IOException {
		Path shared = Files.createDirectory(directory.resolve("shared"));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
		assertThat(StartupCache.privateDirectory(shared)).isFalse();
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));
		assertThat(StartupCache.privateDirectory(shared)).isFalse();
	}

	@Test
	void refusesASymbolicLink(@TempDir Path directory) throws IOException {
		Path target = Files.createDirectory(directory.resolve("target"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		Path link = Files.createSymbolicLink(directory.resolve("link"), target);
		assertThat(StartupCache.privateDirectory(target)).isTrue();
		assertThat(StartupCache.privateDirectory(link)).isFalse();
	}

	@Test
	void needsAJarLaunch(@TempDir Path directory) {
		StartupCache cache = new StartupCache(directory.resolve("forker"), 17, Set.of());
		JavaCommandLine classPath = JavaCommandLine.parse("/jdk/bin/java", List.of("-cp", "a.jar", "com.example.Main"));
		assertThat(cache.prepare(classPath, List.of(), List.of())).isNull();
		assertThat(directory.resolve("forker")).doesNotExist();
	}

	@Test
	void prunesTheCachesOfEarlierVersionsOfTheSameJarOnly(@TempDir Path root) throws IOException {
		String origin = "/srv/app.jar\n/jdk\n25.0.3\naot";
		Path current = cacheDirectory(root, "0".repeat(32), origin);
		Path earlier = cacheDirectory(root, "1".repeat(32), origin);
		Files.createFile(root.resolve("1".repeat(32) + ".lock"));
		Path otherApplication = cacheDirectory(root, "2".repeat(32), "/srv/other.jar\n/jdk\n25.0.3\naot");
		Path otherJava = cacheDirectory(root, "3".repeat(32), "/srv/app.jar\n/jdk17\n17.0.15\ncds");
		Path withoutOrigin = Files.createDirectory(root.resolve("4".repeat(32)));
		Path notACache = cacheDirectory(root, "notes", origin);
		StartupCache.prune(root, "0".repeat(32), origin);
		assertThat(earlier).doesNotExist();
		assertThat(root.resolve("1".repeat(32) + ".lock")).doesNotExist();
		assertThat(current).isDirectory();
		assertThat(otherApplication).isDirectory();
		assertThat(otherJava).isDirectory();
		assertThat(withoutOrigin).isDirectory();
		assertThat(notACache).isDirectory();
	}

	@Test
	void leavesACacheThatIsBeingPreparedAlone(@TempDir Path root) throws IOException {
		String origin = "/srv/app.jar\n/jdk\n25.0.3\naot";
		Path earlier = cacheDirectory(root, "1".repeat(32), origin);
		try (FileChannel lockFile = FileChannel.open(root.resolve("1".repeat(32) + ".lock"), StandardOpenOption.CREATE,
				StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
			// Locked as a master preparing it holds the lock (here in this JVM, where
			// tryLock throws instead of failing)
			StartupCache.prune(root, "0".repeat(32), origin);
			assertThat(earlier).isDirectory();
		}
	}

	private static Path cacheDirectory(Path root, String key, String origin) throws IOException {
		Path directory = Files.createDirectories(root.resolve(key).resolve("app"));
		Files.writeString(directory.resolveSibling("origin"), origin);
		Files.writeString(directory.resolve("app.jar"), "extracted");
		return directory.getParent();
	}

}
