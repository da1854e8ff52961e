# tabs/: the pages whose names start with "tab" (tools/pagedirs.py): rpage=tab_users runs tab_users(data) of tab_users.py here.
