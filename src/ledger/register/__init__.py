"""The office's own register (依申请公开登记台账): imported as desk steps, exported as rows.

``layout`` holds the columns (one place), ``read`` reads a workbook or CSV file,
``rows`` turns a row into the desk commands it implies, ``load`` runs them (validate the
whole file, then write), ``export`` writes the register back, ``template`` an empty one.
"""
