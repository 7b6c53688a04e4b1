package dev.forker.boot.docs;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little of Markdown the documentation tests need: fenced code to skip, headings and
 * their anchors as GitHub makes them, and links.
 */
final class Markdown {

	private static final Pattern FENCE = Pattern.compile("^\\s{0,3}(`{3,}|~{3,}).*$");

	private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");

	private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.*?)\\1");

	private static final Pattern INLINE_LINK = Pattern
		.compile("!?\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");

	private static final Pattern REFERENCE_DEFINITION = Pattern
		.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");

	private static final Pattern HTML_LINK = Pattern.compile("(?:href|src)=\"([^\"]+)\"");

	private static final Pattern NOT_IN_SLUG = Pattern.compile("[^\\p{L}\\p{N}\\p{M}\\p{Pc} -]");

	private Markdown() {
	}

	/**
	 * Return the lines with those of fenced code blocks (and their fences) blanked, so
	 * that line numbers stay.
	 * @param lines the lines of a document
	 * @return the lines outside fenced code
	 */
	static List<String> withoutFencedCode(List<String> lines) {
		List<String> result = new ArrayList<>(lines.size());
		String fence = null;
		for (String line : lines) {
			Matcher matcher = FENCE.matcher(line);
			if (fence == null && matcher.matches()) {
				fence = matcher.group(1);
				result.add("");
			}
			else if (fence != null) {
				if (line.strip().startsWith(fence) && line.strip().replace(fence.substring(0, 1), "").isEmpty()) {
					fence = null;
				}
				result.add("");
			}
			else {
				result.add(line);
			}
		}
		return result;
	}

	/**
	 * Return the anchors GitHub gives the headings of a document.
	 * @param lines the lines of a document
	 * @return the anchors, without {@code #}
	 */
	static Set<String> anchors(List<String> lines) {
		Set<String> anchors = new LinkedHashSet<>();
		Map<String, Integer> seen = new HashMap<>();
		for (String line : withoutFencedCode(lines)) {
			Matcher matcher = HEADING.matcher(line);
			if (matcher.matches()) {
				String slug = slug(matcher.group(1));
				int count = seen.merge(slug, 1, Integer::sum);
				anchors.add((count == 1) ? slug : slug + "-" + (count - 1));
			}
		}
		return anchors;
	}

	/**
	 * Return the anchor GitHub makes of a heading: the text as rendered (links, code and
	 * emphasis marks removed), in lower case, without punctuation, each space a hyphen.
	 * @param heading the heading's Markdown
	 * @return the anchor
	 */
	static String slug(String heading) {
		String text = INLINE_LINK.matcher(heading).replaceAll("$1");
		text = CODE_SPAN.matcher(text).replaceAll("$2");
		text = text.replaceAll("<[^>]+>", "").replace("*", "");
		text = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT).strip();
		return NOT_IN_SLUG.matcher(text).replaceAll("").replace(' ', '-');
	}

	/**
	 * Return the link targets of a document outside code: inline links and images,
	 * reference definitions and HTML {@code href} and {@code src} attributes.
	 * @param lines the lines of a document
	 * @return the links with their line numbers, from 1
	 */
	static List<Link> links(List<String> lines) {
		List<Link> links = new ArrayList<>();
		List<String> text = withoutFencedCode(lines);
		for (int i = 0; i < text.size(); i++) {
			String line = CODE_SPAN.matcher(text.get(i)).replaceAll("");
			for (Pattern pattern : List.of(INLINE_LINK, HTML_LINK)) {
				Matcher matcher = pattern.matcher(line);
				while (matcher.find()) {
					links.add(new Link(i + 1, matcher.group(matcher.groupCount())));
				}
			}
			Matcher definition = REFERENCE_DEFINITION.matcher(line);
			if (definition.matches()) {
				links.add(new Link(i + 1, definition.group(1)));
			}
		}
		return links;
	}

	/**
	 * A link in a document.
	 *
	 * @param line the line number, from 1
	 * @param target the target as written
	 */
	record Link(int line, String target) {

		/**
		 * Return whether the target is in this repository: no scheme, no host.
		 * @return whether the link is relative
		 */
		boolean isRelative() {
			return !this.target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") && !this.target.startsWith("//");
		}

	}

}
