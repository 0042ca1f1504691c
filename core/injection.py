"""Prompt injection: text that gives orders to the assistant instead of asking it something or stating a fact.

One detector for questions, history turns and document text (ground floor, so ingestion or the index reader may
flag passages too). It normalises first, then matches folded patterns:

- normalise: NFKC (full-width letters), zero-width / format / control characters dropped, Cyrillic and Greek
  look-alikes mapped to Latin, diacritics folded, lowercase, leetspeak undone inside words that mix letters with
  0 1 3 4 5 7 @ $, letters spaced or dotted out joined ("i g n o r e", "b.ỏ q.u.a"), punctuation inside a word
  dropped ("ig-nore"). A zero-width character may stand for a space or sit inside a word: both readings are tried.
- match: instructions to drop or override the rules or the documents, role changes, a new system prompt,
  fence escapes (closing tags, code fences, "END OF CONTEXT"), requests to reveal the prompt, to answer from
  outside the documents, text addressed to the AI or dictating the answer, and reward lures with a link.

The patterns name "all" rules or "the previous / your / system" ones, or address the assistant ("bạn", "you"):
a civil servant's "bỏ qua quy tắc làm việc của Ban Chỉ đạo" or "bỏ qua bước thẩm định" names neither.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.sentences import split_sentences
from core.vntext import fold

# Look-alike letters from other scripts that render as Latin ("ignоre" with a Cyrillic "о").
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁɡκνοταρυвмнтАЕОРСХІЈЅВМНТ",
    "aeopcyxijsdgkvotapybmhtaeopcxijsbmht",
)
_COMMITTEE = re.compile(r"\bBan\b")
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_WORD = re.compile(r"[a-z0-9@$]*[a-z][a-z0-9@$]*")
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*·'`~|+/]{1,3}[a-z](?![a-z0-9])){2,}")
_INNER_PUNCT = re.compile(r"(?<=[a-z])[._*~`'|^+\-·•]+(?=[a-z])")

# -- vocabulary (folded) ---------------------------------------------------------------------------------------

_DROP = (
    r"(?:bo qua|phot lo|lo di|lo|quen(?: di| het| sach)?|gat bo|gat sang mot ben|vut bo|xoa bo|huy bo|vo hieu hoa"
    r"|ghi de|pha bo|mac ke|bat chap|(?:dung|khong|thoi|ngung|khoi) (?:can )?(?:tuan theo"
    r"|tuan thu|lam theo|nghe theo|ap dung|quan tam|de y|bam theo|bam vao|dua vao|can cu vao|chu y))"
)
_RULES = (
    r"(?:huong dan|chi dan|quy tac|nguyen tac|menh lenh|cau lenh|lenh|rang buoc|thiet lap|cai dat|prompt"
    r"|loi nhac|chi thi|gioi han|han che|kiem duyet|bo loc|quy dinh an toan|dieu cam)"
)
_ALL = r"(?:tat ca|moi|toan bo|het|het thay|het tat ca)"
_BEFORE = (
    r"(?:truoc(?: do| day)?|(?:o |phia |ben )?tren(?: day)?|ban dau|goc|cu|an|he thong|hien tai|hien co"
    r"|duoc giao|da cho|da duoc (?:giao|cung cap|dua ra|cai dat|thiet lap)|cua ban(?=\s*(?:$|[.,;:!?]|va\b|di\b"
    r"|nua\b|ma\b|roi\b|duoc\b|da\b|truoc\b|nhe\b)))"
)
_YOU = r"(?:ban|may|tro ly|chatbot)"
_DOCS = r"(?:tai lieu|van ban|doan (?:van|trich|tai lieu)|doan|ngu canh|du lieu|nguon|context)"
_EN_DROP = r"(?:ignore|disregard|forget|override|bypass|skip|discard|abandon|neglect|set aside|throw out|drop)"
_EN_RULES = (
    r"(?:instructions?|rules|prompts?|directions|guidelines|constraints|directives|programming|context|orders"
    r"|restrictions|limitations|policies|guardrails|filters|commands|system prompt|messages?|text|content"
    r"|documents?|passages?|sources)\b"
)
_EN_BEFORE = r"(?:previous|prior|above|earlier|preceding|foregoing|initial|original|system|safety|existing|old|given)"
# Broader families: an order to drop rules aimed at the assistant, the assistant or an AI named as the addressee.
_DROP_ANY = (
    r"(?:bo qua|bo ngoai tai|(?:bo|tat)(?= (?:het|di|cac|moi|nhung|tat ca|toan bo|may cai))|gac|tam gac|gat|phot lo|lo"
    r"|lo di|quen"
    r"|vo hieu hoa|go bo|vut|xoa|huy|mac ke|bat chap|pha vo"
    r"|(?:khong|chang|khoi|dung|thoi|ngung|khong con) (?:can |phai |nen )?(?:theo|tuan thu|tuan theo|nghe theo"
    r"|lam theo|ap dung|quan tam|de y|bam theo|vang loi))"
)
_RULES_ANY = (
    r"(?:nguyen tac|quy tac|luat le|luat choi|gioi han|han che|kiem duyet|bo loc|rang buoc|chi dan|huong dan"
    r"|lenh|thiet lap|cai dat|prompt|loi nhac|dieu cam|che do an toan|rao chan)"
)
_AI = (
    r"(?:tro ly (?:ai|ao|tu dong)|chatbot|chat bot|mo hinh (?:ai|ngon ngu)|he thong (?:ai|tra loi tu dong"
    r"|tu dong tra loi)"
    r"|tri tue nhan tao|llm|gpt|chatgpt|cong cu ai|ung dung ai|bot)"
)
_EN_AI = r"(?:ais?|llms?|language models?|chatbots?|assistants?|ai (?:systems?|models?|assistants?|tools?)|bots?|gpts?)"
_EN_DROP_ANY = (
    r"(?:ignore|disregard|forget|override|bypass|skip|discard|abandon|neglect|set aside|put aside|drop|ditch|lift"
    r"|suspend|disable|turn off|remove|stop (?:following|obeying|using|applying)|no longer (?:follow|obey|apply))"
)
_EN_RULES_ANY = (
    r"(?:instructions?|rules|guidance|guidelines|directions|directives|constraints|restrictions|limitations|limits"
    r"|filters|safety|censorship|policies|programming|prompts?|training|guardrails|principles|protocols?"
    r"|(?:source )?texts?"
    r"|sources?|documents?|passages?|context|materials?|questions?|query)"
)

_PATTERNS: dict[str, list[str]] = {
    "override": [
        # opening an imperative clause ("Thôi, không cần theo mấy cái luật lệ đó …")
        rf"(?:^|[,.;:!?(]\s*)(?:thoi,? |hay |xin hay |vui long |cu )?{_DROP_ANY} (?:di |het |het ca |may |mot )?"
        rf"(?:cai |cac |nhung |moi |tat ca |toan bo |may cai )?{_RULES_ANY}\b(?! (?:so|cua (?:bo|so|ubnd|ban chi|tinh)"
        r"|ve|tai|thi hanh|thuc hien)\b)",
        rf"\b(?:khong phai|khong can|khoi|chang can) (?:tuan thu|tuan theo|theo|ap dung|quan tam) (?:bat ky |bat cu )?"
        rf"(?:quy dinh|quy tac|nguyen tac|luat le|huong dan|gioi han|{_RULES_ANY}) nao\b",
        r"\b(?:coi nhu|xem nhu|gia su|gia dinh|tuong tuong|cu nhu) (?:la )?(?:khong co|chua co|khong ton tai)"
        r" (?:tai lieu|van ban|doan|ngu canh|du lieu|quy tac|nguyen tac)",
        r"\b(?:doan van|van ban|noi dung|tai lieu|phan|doan) (?:o |phia |ben )?tren (?:chi |deu )?(?:la )?"
        r"(?:thu nghiem|gia|khong quan trong|loi thoi|vo gia tri|khong dung|khong co that|mot bai kiem tra)",
        r"\b(?:nhiem vu|viec|muc tieu|vai tro|yeu cau) (?:that|thuc su|thuc|chinh|moi|bi mat|dich thuc) cua (?:ban"
        r"|may)\b",
        r"\b(?:toi|minh|ta|tao) (?:la|chinh la) (?:lap trinh vien|nha phat trien|quan tri vien|admin|nguoi tao ra"
        r"|chu|chu so huu|nguoi huan luyen|developer)(?: cua (?:ban|may|he thong|tro ly))?\b",
        r"\b(?:toi|minh|ta|tao|he thong) (?:cho phep|uy quyen|cap quyen) (?:cho )?(?:ban|may)\b",
        r"\b(?:ban|may) (?:duoc phep|co quyen|co the thoai mai) (?:noi|tra loi|lam|viet|bia) (?:bat cu|bat ky|moi"
        r"|tat ca)\b",
        r"\b(?:dung|thoi|khong|dung co) (?:nghe theo|lam theo|tuan theo|vang loi) (?:he thong|nha phat trien|quy tac"
        r"|huong dan|chi dan|ho|no)\b",
        r"\b(?:chi )?(?:lam theo|nghe theo|vang loi) (?:loi )?(?:toi|tao|minh)(?: thoi| di| noi)?\s*(?:$|[.,;!])",
        r"\b(?:vo hieu hoa|tat|go bo|vuot qua|pha vo|bo) (?:che do )?(?:kiem duyet|bo loc|gioi han an toan"
        r"|che do an toan"
        r"|rao chan an toan)\b",
        rf"\b{_EN_DROP_ANY}\s+(?:all\s+|any\s+|every\s+)?(?:of\s+)?(?:your|the|these|those|my|its)?\s*"
        rf"(?:\w+\s+){{0,2}}{_EN_RULES_ANY}\b(?!\s+(?:of|for|on|governing|about|regarding|in|under)\b)",
        r"\b(?:you|assistant|ai|model|chatbot|bot)\b.{0,40}\b(?:with|have|has|having|without) (?:any |no )?(?:safety )?"
        r"(?:rules|restrictions|limits|limitations|filters|censorship|guardrails)\b",
        r"\b(?:with|without) (?:any |no )?safety (?:filters|rules|restrictions|guardrails)\b",
        r"\b(?:the )?(?:text|passages?|documents?|context|content|messages?|everything) (?:above|before) (?:was|is|were"
        r"|are) (?:just |only )?(?:a test|fake|irrelevant|not important|outdated|wrong|a joke|a trick)",
        r"\byour (?:real|actual|true|new|only|secret|hidden) (?:task|job|goal|instructions?|purpose|role|mission)\b",
        r"\bvoi tu cach (?:la )?(?:quan tri vien|admin|nha phat trien|lap trinh vien|nguoi tao ra|chu so huu)\b",
        r"\b(?:obey|listen to|follow|do what) (?:me|my (?:orders|instructions|commands|rules)|i say)\b(?! on\b)",
        r"\b(?:even|include|use|cite|add|invent|make up)\b.{0,20}\b(?:made[- ]up|invented|fabricated|fake) (?:facts?"
        r"|numbers?|figures?|data|sources?|citations?)\b",
        r"\bi am your (?:developer|creator|admin|administrator|owner|programmer|operator|maker)\b"
        r"|\bi (?:give|grant) you (?:permission|access)\b|\byou (?:are|have been) (?:now )?(?:allowed|permitted"
        r"|authori[sz]ed|free) to (?:say|ignore|answer|do|break)",
        rf"\b{_DROP}\s+(?:di\s+)?(?:het\s+)?{_ALL}\s+(?:cac\s+|nhung\s+)?(?:\w+\s+)?{_RULES}\b",
        rf"\b{_DROP}\s+(?:di\s+)?(?:cac\s+|nhung\s+|moi\s+)?{_RULES}\s+(?:\w+\s+)?{_BEFORE}",
        rf"\b{_DROP}\s+(?:di\s+)?(?:het\s+)?(?:{_ALL}\s+)?(?:nhung|moi|cac) (?:gi|thu|dieu|noi dung|dieu da noi)"
        r"(?=\s*(?:$|[.,;:!?]|(?:o |phia |ben )?tren|truoc|ban|may|da|di|va|ma|roi|nay|do|duoc|vua))",
        r"\b(?:nhung gi|moi thu|moi dieu|tat ca|dieu) (?:ma )?(?:nguoi ta|ho|he thong|nha phat trien|ai do) (?:da )?"
        r"(?:dan|bao|giao|yeu cau|lap trinh|cai dat|huong dan) (?:cho )?(?:ban|may)\b",
        r"\b(?:dung|khong can|thoi|khoi|dung co) (?:tra loi|dua|can cu|lay thong tin) (?:theo|dua tren|tu|bang|vao) "
        rf"(?:cac |nhung )?{_DOCS}\b",
        rf"\b(?:nhung gi|moi thu|moi dieu|tat ca|dieu gi|nhung dieu|het thay)(?: ma)? {_YOU} (?:da |vua )?"
        r"(?:duoc |bi )?(?:dan|dan do|giao|bao|huong dan|lap trinh|cai dat|day|yeu cau|noi|cho biet|dat ra"
        r"|thiet lap|ra lenh|chi dan)\b",
        rf"\b(?:dung|khong can|khoi|thoi|ngung|dung co) (?:quan tam|de y|chu y|bam|dua|can cu|nhin|doc|tham khao"
        rf"|dung|su dung|tra cuu|tin|lam theo|bam theo)(?: (?:toi|den|vao|theo|tren))? (?:cac |nhung |may |)?{_DOCS}",
        rf"\b(?:bo qua|phot lo|lo di|mac ke|bat chap|quen(?: di| het)?|gat bo)\s+(?:{_ALL}\s+)?(?:cac\s+|nhung\s+)?"
        rf"{_DOCS}(?:\s+\w+)?(?=\s*(?:$|[.,;:!?]|(?:o |phia |ben )?tren|da cho|duoc (?:cung cap|dua|cho)"
        r"|tham khao|di\b|va\b))",
        r"\b(?:bo qua|phot lo|lo di|quen|mac ke) (?:cau hoi|yeu cau) (?:cua nguoi dung|goc|tren|do|ban dau)\b",
        r"\b(?:bo qua|phot lo|lo di|quen|mac ke) (?:nhung dieu|dieu|phan|noi dung|tat ca|moi thu|het) "
        r"(?:o |phia |ben )?tren\b",
        r"\b(?:hay|cu|cu viec) lo di\b|\blo di (?:het|tat ca|moi|cac|nhung)\b",
        rf"\b{_EN_DROP}\s+(?:(?:all|any|every)\s+(?:of\s+)?)?(?:the\s+|these\s+|those\s+|your\s+|my\s+)?"
        rf"(?:{_EN_BEFORE}\s+)+(?:\w+\s+)?{_EN_RULES}",
        rf"\b{_EN_DROP}\s+(?:all|any|every)\s+(?:of\s+)?(?:the\s+|your\s+)?(?:\w+\s+)?{_EN_RULES}",
        rf"\b{_EN_DROP}\s+(?:your|the system|the|these|those)\s+(?:instructions|rules|guidelines|prompt|system prompt"
        r"|programming|training|guardrails|restrictions|documents|passages|context|sources)\b(?!\s+(?:of|for|on)\b)",
        rf"\b{_EN_DROP}\s+(?:everything|anything|all)\b(?:\s+(?:above|before|else|prior|previous|you))?",
        rf"\b{_EN_DROP}\s+(?:the|what(?:ever)?|what was|what is) (?:above|said above|written above|before this|"
        r"you (?:were|have been) (?:told|taught|given)|i (?:said|told you)|came before)",
        r"\b(?:don'?t|do not|no longer|stop) (?:follow|obey|use|rely on|consider|look at|care about|pay attention to)"
        r" (?:the |your |any |these )?(?:instructions|rules|documents|passages|context|sources|guidelines)\b",
    ],
    "role": [
        r"\b(?:tu (?:bay )?gio|tu nay|bay gio|ke tu (?:bay gio|gio|nay|luc nay)|tu luc nay|tu (?:cau|luot|tin nhan"
        r"|lan)"
        rf" (?:sau|tiep theo|nay))(?: tro di)?,? {_YOU}"
        r"(?: se| phai| hay)? (?:la|dong vai|tro thanh|hanh dong|tra loi|tuan theo|lam theo|phai|se|hay|duoc phep"
        r"|khong con|chi duoc|chi can)\b",
        rf"\b{_YOU} (?:bay gio|gio day|gio) (?:la|se la|dong vai)\b|\bban khong con (?:la|phai la)\b",
        r"\bban (?:la|se la|dong vai) (?:mot )?(?:tro ly|mo hinh|chatbot|bot|ai|hacker|ke|nhan vat|he thong)"
        r" (?:khong|moi|tu do|khac|doc ac|xau|nguy hiem|vo)",
        r"\bdong vai\b(?!\s+(?:tro|quan trong|chu dao|nong cot|then chot|dau tau|chu chot|hat nhan|dinh huong"
        r"|chinh)\b)",
        r"\b(?:nhap vai|gia vo|gia lam|gia dinh ban la|gia su ban la|tuong tuong ban la)\b",
        r"\bhay (?:tro thanh|hanh dong nhu|cu xu nhu|xem minh la|coi minh la|tu coi|bien thanh|bien minh)\b",
        r"\b(?:chuyen|bat|kich hoat|vao|sang|mo) (?:sang |qua )?che do (?:nha phat trien|developer|dan|khong gioi han"
        r"|tu do|quan tri|admin|debug|go loi|god|jailbreak|khong kiem duyet|mo khoa|khong rang buoc)\b",
        r"\bche do (?:nha phat trien|developer|khong gioi han|khong kiem duyet|jailbreak|god)\b",
        r"\bfrom this point(?: on| forward)?\b|\bgoing forward,? (?:you|always)\b|\bin (?:all|every) future "
        r"(?:replies|answers|responses|messages)\b|\bfor (?:all|every|each) (?:future )?(?:replies|answers"
        r"|responses)\b",
        r"\byou are now\b|\byou'?re now\b|\bfrom now on\b|\bpretend (?:to be|you|that you)\b|\brole-?play\b",
        r"(?:^|[.!?:]\s*)(?:please\s+)?act as\b|\bact as (?:a|an|if|my|though) (?:unrestricted|different|new|evil"
        r"|hacker|jailbroken|dan|pirate|linux|terminal)\b",
        r"\byou are no longer\b|\byour new (?:role|persona|identity|instructions?|task|rules|name)\b",
        r"\b(?:act|behave|respond|answer|speak|talk|reply|write) (?:like|as) (?:an? )?(?:ai|assistant|model|chatbot"
        r"|hacker|pirate|human|person|different|unrestricted|evil|uncensored|unfiltered|jailbroken)\b",
        r"\bpretend\b|\blet'?s play\b|\bplay a game\b|\bhypothetically,? (?:you|ignore)\b",
        r"\b(?:developer|dan|god|debug|admin|jailbreak|unrestricted|unfiltered|uncensored) mode\b|\bjailbr[eo]a?k"
        r"|\bdo anything now\b",
        r"\b(?:switch|enter|activate|enable) (?:to |into )?(?:\w+ ){0,2}mode\b",
    ],
    "system": [
        r"\b(?:loi nhac|prompt|thong diep|chi dan|tin nhan|cau lenh|huong dan|quy tac|chi thi) he thong"
        r"(?=\s*(?:$|[.,;:!?)\"'\]]|moi\b|cua\b|ban dau|goc|an\b|la\b|nay\b|tren\b|truoc\b|da\b|duoc\b))",
        r"\b(?:huong dan|chi dan|quy tac|lenh|menh lenh|nhiem vu|vai tro|cau lenh) moi\s*(?:[:\-–]|(?:cho|danh cho)"
        r" (?:ban|may|tro ly|mo hinh|chatbot)\b|sau day\b)",
        r"\bcap nhat (?:huong dan|chi dan|quy tac|lenh) (?:cho|danh cho) (?:ban|tro ly|mo hinh)\b",
        r"\bnew (?:instructions?|rules?|directives?|task|system prompt|orders?|prompt)\b(?: for [^:]{0,30})?\s*[:\-–]",
        r"\b(?:updated|revised|real|actual|true|additional|secret|hidden) (?:instructions?|system prompt|orders)"
        r"\s*[:\-–]",
        r"\bhere (?:are|is) your (?:new |real |actual )?(?:instructions?|rules|task|orders|prompt)\b",
        r"\bsystem (?:prompt|message|instructions?|override|note|update)\b|\b(?:admin|developer|root) override\b",
        r"\boverride (?:mode|code|protocol|command)\b",
        r"(?:^|\n)\s*(?:#+\s*)?(?:system|developer|assistant|admin)(?: message| prompt| note)?\s*:",
        r"(?:^|\n)\s*#{2,}\s*(?:instruction|instructions|system|response|new task)\b",
    ],
    "reveal": [
        r"\b(?:tiet lo|in ra|in|xuat|hien|hien thi|cho (?:toi |tao |minh |chung toi |em )?(?:xem|biet)|nhac lai|lap lai"
        r"|viet (?:ra|lai)|chep lai|doc (?:lai|to)|xuat ra|dua ra|cung cap|gui|liet ke|noi ra|ke ra|trich) .{0,30}"
        r"\b(?:prompt|loi nhac|(?:chi dan|huong dan|quy tac|cau lenh|lenh|nguyen tac|thiet lap|cau hinh)"
        r" (?:cua ban|ban dau|goc|an|he thong|ban duoc|duoc giao cho ban|truoc do|bi mat))\b",
        r"\b(?:reveal|show|print|repeat|display|output|tell me|give me|leak|dump|write out|echo|spell out|list"
        r"|translate"
        r"|summari[sz]e|paraphrase|rewrite|encode)\b"
        r".{0,30}\b(?:your|hidden|initial|original|secret|system|internal)\s+(?:prompt|instructions|rules|guidelines"
        r"|configuration|directives)\b",
        r"\b(?:repeat|print|output|reveal|show|display|dump|write out|echo)\b.{0,20}\b(?:everything|all|the text"
        r"|the words|words|text|messages?) (?:above|before this|preceding|prior)\b",
        r"\bwhat (?:is|are|was|were) your (?:system |initial |original |hidden )?(?:prompt|instructions|rules"
        r"|guidelines)\b|\bwhat were you told\b",
        r"\b(?:ban|may) (?:da )?duoc (?:dan|lap trinh|cai dat|huong dan|giao) (?:nhung )?(?:gi|the nao|ra sao)\b",
        r"\b(?:in|chep|viet|doc|dua|nhac|lap|trich) (?:lai |ra )?(?:nguyen van|y nguyen|tung chu|chinh xac)\b.{0,30}"
        r"\b(?:huong dan|chi dan|loi nhac|prompt|quy tac|nguyen tac|cau lenh|thiet lap)\b",
        r"\b(?:he thong|nha phat trien|lap trinh vien|admin|quan tri vien) (?:da )?(?:dua|gui|giao|cung cap|cai|nap)"
        r" (?:cho|vao) (?:ban|may)\b",
        r"\b(?:print|show|repeat|reveal|display|output|dump|tell me|give me|write out|copy)\b.{0,40}\b(?:hidden|secret"
        r"|you were given|given to you|before (?:my|this) message|above (?:my|this) message|preceding (?:text"
        r"|message))",
        r"\b(?:output|print|say|write|type|respond with|reply with|answer with) (?:only )?(?:the )?(?:word|phrase"
        r"|string)\b",
        r"\b(?:summari[sz]e|describe|label|classify|report|mark) (?:this|the) (?:paragraph|page|document|text|passage)"
        r" as\b",
    ],
    "outside": [
        r"\b(?:tra loi|dua vao|dung|su dung|lay)\s+(?:bang\s+|theo\s+|dua tren\s+|tu\s+)?(?:kien thuc|hieu biet)\s+"
        r"(?:cua ban|rieng|ben ngoai|chung|san co|cua mo hinh|tu nhien)\b",
        r"\bkhong (?:can )?(?:dua vao|dua tren|can cu vao|theo|dung) (?:cac )?(?:tai lieu|van ban|doan)\b",
        r"\b(?:y kien|quan diem|suy nghi|danh gia|cam nghi) (?:ca nhan |rieng )cua (?:ban|may)\b|\b(?:hay|cu) bia\b"
        r"|\bbia ra (?:mot|vai|so|con so|cau)\b",
        r"\b(?:kien thuc|thong tin) ngoai tai lieu\b|\btra loi tu do\b|\b(?:khong can|dung|bo|ngung|thoi) (?:ghi |dat "
        r"|dua |cac )?trich dan\b|\btra loi (?:ma )?khong (?:kem|ghi|dua|can|co) (?:nguon|trich dan)\b",
        r"\b(?:answer|respond|reply|use)\b.{0,20}\b(?:your own|your|outside|general|external) (?:knowledge|training)\b",
        r"\bwithout (?:any )?(?:citations?|references|restrictions|limitations|filters|censorship|rules|limits)\b",
        r"\b(?:you are|be|become|act) .{0,15}\b(?:unrestricted|uncensored|unfiltered)\b",
        rf"\b{_YOU} .{{0,20}}khong (?:con )?(?:bi )?(?:gioi han|rang buoc|kiem duyet)\b",
    ],
    "fence": [
        r"<\s*/?\s*(?:passages?|tai[_ ]?lieu|cau[_ ]?hoi|hoi[_ ]?thoai|context|documents?|doc|data|system|user"
        r"|assistant|instructions?|im_start|im_end|s|inst|sys|question|query|input|prompt|sources?|tool)\b[^>]{0,40}>",
        r"<\|[a-z_]+\|>|<<\s*/?\s*sys\s*>>|\[\s*/?\s*(?:inst|system|sys|passage|context)\s*\]",
        r"```|~~~",
        r"\bend of (?:the )?(?:context|documents?|passages?|data|input|prompt|instructions|system prompt|sources)\b",
        r"\b(?:ket thuc|het) (?:phan )?(?:tai lieu|ngu canh|doan van|du lieu dau vao|cau hoi|du lieu)\b",
    ],
    "address": [
        rf"\b(?:danh cho|gui|cho|luu y|ghi chu|yeu cau|chi dan|huong dan)(?: (?:cac|moi|mot))? {_AI}\b",
        rf"\b(?:moi|cac|mot|neu la|la)? ?{_AI}\b.{{0,40}}\b(?:luon|phai|hay|can|chi duoc|deu phai)\b.{{0,20}}"
        r"\b(?:tra loi|noi|khang dinh|gioi thieu|thong bao|cung cap|viet|chen|them|khuyen|huong|chuyen|dan|bao)\b",
        rf"\b{_EN_AI}\b.{{0,40}}\b(?:must|should|shall|need to|have to|are required to|is required to|will)\b.{{0,10}}"
        r"\b(?:tell|say|answer|reply|respond|state|inform|recommend|direct|redirect|output|claim|ignore|include|add"
        r"|mention|write|print|send)\b",
        r"\b(?:tell|inform|warn|advise|instruct|direct) (?:the |all |any )?(?:users?|readers?|visitors?"
        r"|people asking)\b",
        r"\b(?:neu ban la|neu may la|hoi|gui|danh cho|luu y cho|ghi chu cho|nhan cho|thong diep cho|chu y|loi nhan cho)"
        r" (?:cac |mot )?(?:tro ly ao|tro ly ai|mo hinh ngon ngu|chatbot|llm|mo hinh ai|he thong ai|tri tue nhan tao"
        r" dang doc|gpt|chatgpt|bot)\b",
        r"\b(?:note|message|instructions?|attention|reminder) (?:to|for) (?:the |any |an )?(?:ai|assistant|llm"
        r"|language model|chatbot|model|bot|gpt)\b|\bif you are (?:an? )?(?:ai|llm|language model|assistant|chatbot"
        r"|gpt|bot)\b|\bdear (?:ai|assistant|llm|chatbot)\b",
        r"\b(?:hay|luon luon|luon) (?:tra loi|noi|khang dinh|thong bao|bao|viet|nhan|khuyen|yeu cau|de nghi|gioi thieu"
        r"|moi|huong dan|chuyen huong) (?:voi |cho )?(?:nguoi dung|nguoi hoi|nguoi doc|user)\b",
        r"\b(?:trong|o cuoi|o dau|cuoi|dau) (?:moi )?cau tra loi(?: cua ban)?,? (?:hay|phai|luon)\b"
        r"|\bmoi cau tra loi (?:phai|deu phai|hay)\b|\bcau tra loi cua ban (?:phai|hay|chi)\b"
        r"|\bcau tra loi nao (?:cung|deu) (?:phai|can)\b|\b(?:ket thuc|bat dau|mo dau) (?:moi |cac )?cau tra loi\b"
        r"|\bcau tra loi\b.{0,25}\b(?:ket thuc|bat dau|mo dau) bang\b",
        r"\btro ly (?:ai |ao )?(?:phai|hay|chi duoc|can|nen) (?:tra loi|viet|noi|in ra|xuat ra|khang dinh)\b"
        r"|\bthe (?:assistant|ai|model|chatbot|bot) (?:must|should|shall|has to|will) (?:answer|reply|respond|say"
        r"|write|only|always)\b",
        r"\btra loi (?:rang|la)\s*[:\"“']|\bchi (?:tra loi|noi|viet) (?:dung|moi|mot) (?:cau|tu|chu)\b",
        r"\b(?:append|add|include|insert|prepend) .{0,40}\b(?:to|in|at the (?:end|start|beginning) of) (?:every|each"
        r"|all"
        r"|your|the) (?:answers?|responses?|replies|outputs?)\b",
        r"\b(?:respond|reply|answer) (?:to )?(?:every|each|all|any) (?:questions?|messages?"
        r"|prompts?)(?: \w+){0,3} with\b",
        r"\b(?:always|only) (?:answer|respond|reply|say|write|output)\b|\b(?:respond|reply|answer) (?:only )?with\b"
        r"|\btell the user\b|\bsay (?:exactly|only)\b",
    ],
    "lure": [
        r"(?:https?://|www\.)\S+.{0,80}\b(?:nhan thuong|trung thuong|qua tang|nhan qua|tien thuong|phan thuong|prize"
        r"|reward|gift card|bonus|claim your|you (?:have )?won)\b",
        r"\b(?:nhan thuong|trung thuong|qua tang|nhan qua|tien thuong|phan thuong|prize|reward|gift card|bonus"
        r"|claim your|you (?:have )?won)\b.{0,80}(?:https?://|www\.)",
    ],
}
# Written in capitals, an order stands out even without a colon: "NEW INSTRUCTIONS", "HƯỚNG DẪN MỚI".
_CAPITALS = re.compile(r"\bNEW (?:INSTRUCTIONS?|RULES|TASK|SYSTEM PROMPT)\b|\bHUONG DAN MOI\b|\bCHI DAN MOI\b")
# Spaces or zero-width characters inside the words: matched with every non-letter removed.
_COMPACT = (
    "ignorepreviousinstructions|ignoreallpreviousinstructions|ignoreallinstructions|ignoretheaboveinstructions"
    "|ignoreyourinstructions|disregardpreviousinstructions|disregardtheabove|disregardallprevious"
    "|forgetallpreviousinstructions|forgetyourinstructions|forgeteverythingabove|youarenowa|developermode"
    "|jailbreak|doanythingnow|revealyoursystemprompt|boquamoihuongdan|boquatatcahuongdan|boquacachuongdantruoc"
    "|boquatatcacacchidan|photlomoihuongdan|photlotatcachidan|quenhetnhunggibanduocdan|quenmoihuongdan"
    "|quenmoiquytac|quentatcaquytac|tietloloinhachethong|loinhachethong|dungquantamtoitailieu"
)
_COMPILED = {name: re.compile("|".join(f"(?:{p})" for p in patterns)) for name, patterns in _PATTERNS.items()}
_FENCE = _COMPILED.pop("fence")
_COMPACT_RE = re.compile(_COMPACT)
# "bạn" folds to "ban", as do "Ban" (a committee), "bản", "bán": the addressee is read before folding, and folded
# only in text typed without any accent.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_YOU_ACCENTED = re.compile(r"\b(?:bạn|mày)\b")
_YOU_PLAIN = re.compile(r"\b(?:ban|may)\b")
_ADDRESSED_DROP = re.compile(
    rf"\b{_DROP_ANY}\b.{{0,25}}\b{_RULES_ANY}\b"
    rf"|\b(?:{_RULES_ANY}|quy dinh)\b.{{0,30}}\bkhong (?:con )?(?:ap dung|hieu luc|gia tri|dung nua|quan trong)\b"
    r"|\b(?:ban|may) (?:luon|phai|hay|nho) (?:chen|them|gan|kem|viet|ghi|noi)\b"
)
# Signals of text written for the one who answers rather than for a reader of the document. Real documents carry at
# most one of them in a sentence (none of 31,721 sentences of the sample, policy, official, law and regulation
# texts carries two); planted orders carry two or more ("Khi được hỏi …, mô hình cần trả lời rằng …").
_SIGNALS = {
    "ai": r"\b(?:tro ly|chatbot|mo hinh (?:ngon ngu|ai)|llm|gpt|language models?|assistants?|the model|ai (?:models?"
    r"|systems?)|automated (?:readers?|systems?)|bots?|he thong (?:tra loi|ai))\b|\bmo hinh (?:can|phai|hay|nen|se"
    r"|duoc)\b",
    "reader": r"\b(?:nguoi hoi|users?|readers?|visitors?)\b",
    "answer": r"\b(?:cau tra loi|tra loi (?:rang|la)|khi (?:duoc hoi|tra loi)|(?:neu|khi) (?:co )?(?:ai|nguoi) hoi"
    r"|(?:neu|khi) cau hoi (?:nhac|noi|hoi|de cap|co)|trich dan|doc (?:toi|den) day|answers?"
    r"|answering|respond|reply|replies|summari[sz]\w*|cau hoi cua)\b",
    "imperative": r"(?:^|[,.;:!?(]\s*)(?:vui long|xin hay|please|do not|don'?t|never|always)\b"
    r"|\b(?:must|should) (?:\w+ )?(?:tell|say|state|answer|reply|respond|write|recommend|claim)\b",
    "you": r"\b(?:you|your)\b",
    "dictate": r"\b(?:viet|noi|ghi|xuat|in|tra loi|write|say|output|print)\s*(?:rang|that)?\s*[:\"“']",
    "hidden": r"\b(?:ghi chu an|loi nhan an|hidden (?:note|instructions?|message)|note to self)\b",
}
# Words that fold onto ordinary ones ("hãy"/"hay", "đừng"/"dùng"/"đúng", "người dùng"/"người đứng", "bạn"/"ban"):
# matched with their accents, and folded only in text typed without any accent.
_ACCENTED_SIGNALS = {
    "imperative": (
        r"\b(?:hãy|đừng)\b|\bhay (?:them|viet|noi|tra loi|chen|ghi|bao|khuyen|goi|truy cap|gioi thieu)\b",
        r"(?:^|[,.;:!?(]\s*)(?:hay|dung)\b",
    ),
    "reader": (r"\bngười dùng\b", r"\bnguoi dung\b(?! dau| ra| ten| ve| chan)"),
    "you": (r"\b(?:bạn|mày)\b", r"\b(?:ban|may) (?:hay|phai|dung|can|luon|se|la)\b"),
}
_SIGNAL_RES = {name: re.compile(pattern) for name, pattern in _SIGNALS.items()}
_ACCENTED_RES = {name: (re.compile(a), re.compile(f)) for name, (a, f) in _ACCENTED_SIGNALS.items()}


def normalise(text: str, hidden_as_space: bool = False) -> str:
    """The text as the patterns read it: folded, lowercase, invisible characters, leetspeak and spacing undone."""
    return _undo_obfuscation(_light(text, hidden_as_space))


def _light(text: str, hidden_as_space: bool = False) -> str:
    """NFKC, invisible characters dropped (or read as spaces), look-alikes mapped, folded, lowercase."""
    text = unicodedata.normalize("NFKC", text)
    gap = " " if hidden_as_space else ""
    text = "".join(
        c if c in "\n\t" or unicodedata.category(c)[0] != "C" else (gap if unicodedata.category(c) == "Cf" else " ")
        for c in text
    )
    if fold(text) != text:  # accented text: "Ban" is a committee ("Ban Chỉ đạo"), never "bạn" typed without accents
        text = _COMMITTEE.sub("Bann", text)
    text = fold(text.translate(_CONFUSABLES)).lower()
    return re.sub(r"[ \t\r\f\v]+", " ", text)


def _undo_obfuscation(text: str) -> str:
    text = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    text = _SPACED_LETTERS.sub(lambda m: re.sub(r"[^a-z]", "", m.group(0)), text)
    return re.sub(r"[ \t]+", " ", _INNER_PUNCT.sub("", text))


@lru_cache(maxsize=8192)
def injection_kind(text: str) -> str | None:
    """What kind of instruction to the assistant the text holds ("override", "role", "fence"…), or None."""
    if not text or not text.strip():
        return None
    light = _light(text)
    if _FENCE.search(light):
        return "fence"
    forms = [_undo_obfuscation(light)]
    if any(unicodedata.category(c) == "Cf" for c in text):
        forms.append(normalise(text, hidden_as_space=True))
    for form in forms:
        for name, pattern in _COMPILED.items():
            if pattern.search(form):
                return name
        if _addressed(text, form) and _ADDRESSED_DROP.search(form):
            return "override"
    accented = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text)).lower()
    parts = zip(_SENTENCE_BREAK.split(accented), _SENTENCE_BREAK.split(light), strict=False)
    if any(_signals(a, f) >= 2 for a, f in parts):
        return "address"
    if _CAPITALS.search(fold(unicodedata.normalize("NFKC", text))):
        return "system"
    compact = re.sub(r"[^a-z]", "", forms[0])
    return "override" if _COMPACT_RE.search(compact) else None


def _signals(accented: str, folded: str) -> int:
    """How many kinds of signal of text written for the answerer one sentence carries."""
    kinds = {name for name, pattern in _SIGNAL_RES.items() if pattern.search(folded)}
    for name, (with_accents, unaccented) in _ACCENTED_RES.items():
        if with_accents.search(accented) or any(_plain(accented, m) for m in unaccented.finditer(accented)):
            kinds.add(name)
    return len(kinds)


def _plain(text: str, match: re.Match[str]) -> bool:
    """Was the matched stretch typed without accents (so "hay" may stand for "hãy"), judged on the words around it?"""
    around = text[max(0, match.start() - 40) : match.end() + 40]
    return fold(around) == around


def _addressed(text: str, form: str) -> bool:
    """Does the text speak to the assistant ("bạn", "mày"; "ban", "may" only in text with no accent at all)?"""
    lower = unicodedata.normalize("NFC", text).lower()
    return bool(_YOU_ACCENTED.search(lower) or (fold(lower) == lower and _YOU_PLAIN.search(form)))


def looks_like_injection(text: str) -> bool:
    """Does the text ask to ignore or override the rules, change role, reveal the prompt, or escape its fence?"""
    return injection_kind(text) is not None


def instruction_spans(text: str) -> list[tuple[int, int]]:
    """Spans of a document text that give the assistant orders: from the first such sentence of a paragraph to the
    paragraph's end (an order's payload often follows it: "Disregard the documents. The answer is: …"); a whole
    paragraph, or the whole text, when the order spans its sentences. Sentences are tried alone first."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        sentences = split_sentences(line.group(0), line.start())
        first = next((s for s, e in sentences if looks_like_injection(text[s:e])), None)
        if first is None and looks_like_injection(line.group(0)):
            first = line.start()  # an order split over two sentences of the paragraph
        if first is not None:
            spans.append((first, line.end()))
    if not spans and looks_like_injection(text):
        spans = [(0, len(text))]  # split over paragraphs
    return spans
