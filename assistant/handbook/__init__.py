"""The document handbook (Sổ tay điện tử): the collection browsed, searched and read, with the links between documents.

`catalog` derives what browsing needs from one opened index, once (the relations graph, search terms, facet
values); `search` lists the collection with facets, search and paging; `document` gives one document's sections,
related documents and timeline. No web framework here: assistant.api.handbook parses and renders.
"""
