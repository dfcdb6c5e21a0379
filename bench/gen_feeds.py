#!/usr/bin/python3
# gen_feeds — writes the `parse` benchmark corpus: N feeds (RSS 2.0 and Atom 1.0) of 200 to
# 2,000 items with HTML-heavy summaries, in UTF-8, ISO-8859-1 and windows-1252, the way news
# sites publish them (escaped HTML in <description>, CDATA in content:encoded, entities).
# Deterministic for a given seed. Usage: gen_feeds.py OUTDIR [COUNT] [SEED]
import html
import os
import random
import sys

WORDS_EN = ("acme signs a contract with global partner to expand its plant and hire staff after a "
            "funding round led by investors the company said on monday revenue grew quarter "
            "results acquisition of rival for million dollars chief executive officer appointed").split()
WORDS_FR = ("la société annonce une levée de fonds pour financer son expansion en Europe après un "
            "contrat signé avec le groupe le directeur général a été nommé chiffre d'affaires "
            "usine à Lyon embauche salariés rachat résultats trimestriels hausse été français").split()
# characters that exist in latin-1 and in windows-1252 (curly quotes, euro, dashes only in the latter)
CP1252_EXTRA = ["€", "’", "“", "”", "–", "—", "…"]


def sentence(rng, words, n):
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def summary_html(rng, words, extra):
    parts = []
    for _ in range(rng.randint(2, 5)):
        s = sentence(rng, words, rng.randint(12, 30))
        if extra:
            s = s.replace(" ", " " + rng.choice(extra) + " ", 1)
        parts.append(f'<p>{s} <a href="https://news.example/{rng.randint(1, 10**6)}?utm_source=rss&amp;x=1">'
                     f'read more</a> <b>{rng.choice(words)}</b> &amp; <em>{rng.choice(words)}</em></p>')
    if rng.random() < 0.3:
        parts.append('<img src="https://cdn.example/i.jpg" alt="photo"/><br/>')
    return "".join(parts)


def rss(rng, n, words, extra):
    out = ['<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
           f"<title>{html.escape(sentence(rng, words, 4))}</title><link>https://news.example/</link>"
           "<language>fr</language><lastBuildDate>Mon, 08 Jan 2024 09:30:00 GMT</lastBuildDate>"]
    for i in range(n):
        body = summary_html(rng, words, extra)
        out.append(
            f"<item><title>{html.escape(sentence(rng, words, 9))}</title>"
            f"<link>https://news.example/a/{i}</link><guid isPermaLink=\"false\">id-{i}</guid>"
            f"<pubDate>Mon, {1 + i % 28:02d} Jan 2024 {i % 24:02d}:{i % 60:02d}:00 +0100</pubDate>"
            f"<dc:creator>{rng.choice(words)}</dc:creator><category>{rng.choice(words)}</category>"
            f"<description>{html.escape(body)}</description>")
        if rng.random() < 0.5:
            out.append(f"<content:encoded><![CDATA[{body}{body}]]></content:encoded>")
        out.append("</item>\n")
    out.append("</channel></rss>\n")
    return "".join(out)


def atom(rng, n, words, extra):
    out = ['<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
           f"<title>{html.escape(sentence(rng, words, 4))}</title>"
           '<link rel="alternate" href="https://news.example/"/><id>tag:news.example,2024:feed</id>'
           "<updated>2024-01-08T09:30:00Z</updated><author><name>Newsroom</name></author>"]
    for i in range(n):
        body = summary_html(rng, words, extra)
        out.append(
            f'<entry><title type="html">{html.escape(sentence(rng, words, 9))}</title>'
            f'<link rel="alternate" type="text/html" href="https://news.example/e/{i}"/>'
            f"<id>tag:news.example,2024:{i}</id><published>2024-01-{1 + i % 28:02d}T10:00:00+01:00</published>"
            f"<updated>2024-01-{1 + i % 28:02d}T11:00:00Z</updated>"
            f'<category term="{rng.choice(words)}"/>'
            f'<summary type="html">{html.escape(body)}</summary></entry>\n')
    out.append("</feed>\n")
    return "".join(out)


def main():
    outdir = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    os.makedirs(outdir, exist_ok=True)
    encodings = ["utf-8", "iso-8859-1", "windows-1252"]
    for k in range(count):
        enc = encodings[k % 3]
        fmt = "rss" if k % 2 == 0 else "atom"
        words = WORDS_FR if k % 4 < 2 else WORDS_EN
        extra = CP1252_EXTRA if enc in ("utf-8", "windows-1252") else []
        n = rng.randint(200, 2000)
        body = (rss if fmt == "rss" else atom)(rng, n, words, extra)
        doc = f'<?xml version="1.0" encoding="{enc}"?>\n' + body
        path = os.path.join(outdir, f"feed{k:02d}-{fmt}-{enc}.xml")
        with open(path, "wb") as f:
            f.write(doc.encode(enc))


if __name__ == "__main__":
    main()
