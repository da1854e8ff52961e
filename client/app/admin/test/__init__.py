# test/: the pages whose names start with "test" (tools/pagedirs.py): rpage=test_mail runs test_mail(data) of test_mail.py here.
