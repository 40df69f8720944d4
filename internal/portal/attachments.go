package portal

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"unicode"
)

// MaxAttachment is the largest attachment a case takes (20 MB).
const MaxAttachment = 20 << 20

// attachmentTypes maps an allowed file extension to the content type its
// bytes must show. Office files are ZIP (docx, xlsx, pptx, odt, ods, odp)
// or the older compound format (doc, xls, ppt).
var attachmentTypes = map[string]string{
	".pdf":  "application/pdf",
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
}

// oleMagic starts the older Office compound files.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// CheckAttachment judges an uploaded file by its content as well as its
// name and returns the content type to store and serve. HTML named .pdf,
// an empty file or one over 20 MB is refused with a Swedish message.
func CheckAttachment(name string, data []byte) (string, error) {
	field := map[string]string{}
	refuse := func(msg string) (string, error) {
		field["file"] = msg
		return "", Invalid(msg, field)
	}
	switch {
	case len(data) == 0:
		return refuse("Filen är tom.")
	case len(data) > MaxAttachment:
		return refuse("Filen är större än 20 MB.")
	}
	ext := strings.ToLower(path.Ext(name))
	want, ok := attachmentTypes[ext]
	if !ok {
		return refuse("Bifoga PDF, bilder (PNG, JPEG, GIF) eller Office-filer (Word, Excel, PowerPoint, OpenDocument).")
	}
	sniffed := http.DetectContentType(data)
	var matches bool
	switch {
	case strings.HasPrefix(want, "image/"), want == "application/pdf":
		matches = sniffed == want
	case ext == ".doc" || ext == ".xls" || ext == ".ppt":
		matches = bytes.HasPrefix(data, oleMagic)
	default: // ZIP-based office formats
		matches = sniffed == "application/zip"
	}
	if !matches {
		return refuse("Filens innehåll stämmer inte med filtypen " + ext + ".")
	}
	return want, nil
}

// SafeFileName keeps a file name for storage and download: no directories,
// no control or direction-changing characters, at most 255 bytes.
func SafeFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '"', r == '/', r == 0xFFFD:
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		name = "bilaga"
	}
	for len(name) > 255 {
		r := []rune(name)
		name = string(r[:len(r)-1])
	}
	return name
}
