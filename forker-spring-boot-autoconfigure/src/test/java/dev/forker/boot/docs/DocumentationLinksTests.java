package dev.forker.boot.docs;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that every relative link in {@code README.md} and {@code docs/*.md} leads
 * somewhere: the file or directory exists and, for a link with {@code #anchor} to a
 * Markdown file, that file has a heading with that anchor (as GitHub makes anchors).
 */
class DocumentationLinksTests {

	private static final Path ROOT = Path.of("..");

	@Test
	void documentationExists() throws IOException {
		assertThat(documents()).contains(ROOT.resolve("README.md"), ROOT.resolve("docs").resolve("configuration.md"));
	}

	@Test
	void relativeLinksLeadToFilesThatExist() throws IOException {
		List<String> broken = new ArrayList<>();
		for (Path document : documents()) {
			for (Markdown.Link link : Markdown.links(Files.readAllLines(document))) {
				if (link.isRelative() && !link.target().startsWith("#")) {
					Path target = target(document, link);
					if (!Files.exists(target)) {
						broken.add(where(document, link) + ": no file " + ROOT.relativize(target).normalize());
					}
				}
			}
		}
		assertThat(broken).as("relative links to files that do not exist").isEmpty();
	}

	@Test
	void anchorsLeadToHeadingsThatExist() throws IOException {
		List<String> broken = new ArrayList<>();
		for (Path document : documents()) {
			for (Markdown.Link link : Markdown.links(Files.readAllLines(document))) {
				int hash = link.target().indexOf('#');
				if (!link.isRelative() || hash < 0) {
					continue;
				}
				Path target = (hash == 0) ? document : target(document, link);
				String anchor = URLDecoder.decode(link.target().substring(hash + 1), StandardCharsets.UTF_8);
				if (Files.isRegularFile(target) && target.toString().endsWith(".md")
						&& !Markdown.anchors(Files.readAllLines(target)).contains(anchor)) {
					broken.add(where(document, link) + ": no heading with anchor #" + anchor + " in "
							+ ROOT.relativize(target).normalize());
				}
			}
		}
		assertThat(broken).as("links to headings that do not exist").isEmpty();
	}

	@Test
	void slugsAreThoseOfGitHub() {
		assertThat(Markdown.slug("Modes: shared and reuseport")).isEqualTo("modes-shared-and-reuseport");
		assertThat(Markdown.slug("Actuator: `/actuator/forker`")).isEqualTo("actuator-actuatorforker");
		assertThat(Markdown.slug("HTTPS, IPv4 and IPv6")).isEqualTo("https-ipv4-and-ipv6");
		assertThat(Markdown.slug("One pod with N workers, or N pods of one JVM"))
			.isEqualTo("one-pod-with-n-workers-or-n-pods-of-one-jvm");
		assertThat(Markdown.slug("Start-up and sizing")).isEqualTo("start-up-and-sizing");
		assertThat(Markdown.slug("See [the modes](modes.md) first")).isEqualTo("see-the-modes-first");
		assertThat(Markdown.anchors(List.of("# Logs", "```", "# Not a heading", "```", "## Logs")))
			.containsExactly("logs", "logs-1");
	}

	private static List<Path> documents() throws IOException {
		List<Path> documents = new ArrayList<>();
		documents.add(ROOT.resolve("README.md"));
		try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
			docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
		}
		return documents;
	}

	private static Path target(Path document, Markdown.Link link) {
		String path = link.target();
		int end = indexOfAny(path, '#', '?');
		if (end >= 0) {
			path = path.substring(0, end);
		}
		path = URLDecoder.decode(path, StandardCharsets.UTF_8);
		Path base = document.getParent();
		return path.startsWith("/") ? ROOT.resolve(path.substring(1)) : base.resolve(path);
	}

	private static int indexOfAny(String text, char... characters) {
		int first = -1;
		for (char character : characters) {
			int index = text.indexOf(character);
			if (index >= 0 && (first < 0 || index < first)) {
				first = index;
			}
		}
		return first;
	}

	private static String where(Path document, Markdown.Link link) {
		return ROOT.relativize(document).normalize() + ":" + link.line() + " (" + link.target() + ")";
	}

}
