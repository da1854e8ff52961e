# cards/: the pages whose names start with "card_" (tools/pagedirs.py): rpage=card_sales runs card_sales(data) of card_sales.py here.
